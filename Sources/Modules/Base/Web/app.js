// What Chainstore's browser apps (/scan, /display) share: the language (zh-CN or en) and its
// messages, the sign-in form, and the API helpers (HTTP Basic credentials held in the page,
// `?db=`, a time limit, the server's error shapes). A page calls `Chainstore.start(init)`.
//
// Messages are written in English in the pages and scripts, and looked up in the catalogues the
// page names (`<meta name="chainstore-messages" content="zh_CN URL">`): elements marked
// `data-i18n` (their text), `data-i18n-placeholder`, `data-i18n-label` (aria-label) and
// `data-i18n-alt`, and every text a script passes through `Chainstore.t` (or marks with
// `Chainstore.N_` to translate where it is shown). The language is the one chosen with the
// header's button, else the browser's. A unit test checks every such message has its Chinese.
var Chainstore = (function () {
  "use strict";

  var TIMEOUT_MS = 20000;
  var LANGUAGES = ["en", "zh_CN"];
  var messages = {};
  var lang = chosenLanguage();
  var listeners = [];

  function byId(id) { return document.getElementById(id); }

  function chosenLanguage() {
    try {
      var kept = window.localStorage.getItem("chainstore.lang");
      if (LANGUAGES.indexOf(kept) >= 0) { return kept; }
    } catch (e) { /* no storage */ }
    return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh_CN" : "en";
  }

  // `t("Error (HTTP {0})", 404)`: the message in the page's language, its {n} filled in.
  function t(text) {
    var args = arguments;
    var message = Object.prototype.hasOwnProperty.call(messages, text) ? messages[text] : text;
    return message.replace(/\{(\d+)\}/g, function (whole, n) {
      var value = args[Number(n) + 1];
      return value === undefined ? whole : String(value);
    });
  }

  // Marks a message translated later, where it is shown (`t(spec.title)`): gettext's N_.
  function N_(text) { return text; }

  function translate(root) {
    var attributes = [["data-i18n-placeholder", "placeholder"], ["data-i18n-label", "aria-label"], ["data-i18n-alt", "alt"]];
    root.querySelectorAll("[data-i18n]").forEach(function (element) {
      if (!element.getAttribute("data-i18n")) { element.setAttribute("data-i18n", element.textContent.trim()); }
      element.textContent = t(element.getAttribute("data-i18n"));
    });
    attributes.forEach(function (pair) {
      root.querySelectorAll("[" + pair[0] + "]").forEach(function (element) {
        element.setAttribute(pair[1], t(element.getAttribute(pair[0])));
      });
    });
    document.documentElement.lang = lang === "zh_CN" ? "zh-CN" : "en";
    var button = byId("lang");
    if (button) { button.textContent = lang === "zh_CN" ? "English" : "中文"; }
  }

  // The catalogues of `language` named by the page, merged; English needs none.
  async function load(language) {
    var merged = {};
    if (language === "en") { return merged; }
    var metas = document.querySelectorAll('meta[name="chainstore-messages"]');
    for (var i = 0; i < metas.length; i += 1) {
      var parts = (metas[i].getAttribute("content") || "").split(" ");
      if (parts[0] !== language || !parts[1]) { continue; }
      try {
        var response = await fetch(parts[1], { credentials: "omit" });
        if (response.ok) { Object.assign(merged, await response.json()); }
      } catch (e) { /* stays in English */ }
    }
    return merged;
  }

  async function setLanguage(language) {
    messages = await load(language);
    lang = language;
    try { window.localStorage.setItem("chainstore.lang", language); } catch (e) { /* no storage */ }
    translate(document);
    listeners.forEach(function (listener) { listener(language); });
  }

  // The sign-in form, built into `#signin-view`.
  function buildSignIn() {
    var view = byId("signin-view");
    if (!view || byId("signin-form")) { return; }
    var form = document.createElement("form");
    form.id = "signin-form";
    form.noValidate = true;
    [["login", N_("Login"), "text", "username"], ["password", N_("Password or API key"), "password", "current-password"],
     ["db", N_("Database (optional)"), "text", "off"]].forEach(function (field) {
      var label = document.createElement("label");
      label.htmlFor = field[0];
      label.setAttribute("data-i18n", field[1]);
      label.textContent = field[1];
      var input = document.createElement("input");
      input.id = field[0];
      input.name = field[0];
      input.type = field[2];
      input.autocomplete = field[3];
      if (field[2] === "text") {
        input.setAttribute("autocapitalize", "none");
        input.setAttribute("autocorrect", "off");
        input.spellcheck = false;
      }
      form.appendChild(label);
      form.appendChild(input);
    });
    var error = document.createElement("p");
    error.id = "signin-error";
    error.className = "error-text";
    error.setAttribute("role", "alert");
    var button = document.createElement("button");
    button.id = "signin";
    button.type = "submit";
    button.setAttribute("data-i18n", N_("Sign in"));
    button.textContent = "Sign in";
    form.appendChild(error);
    form.appendChild(button);
    view.appendChild(form);
  }

  function base64(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary);
  }

  function basic(login, password) { return "Basic " + base64(login + ":" + password); }

  function apiURL(path, db) {
    if (!db) { return path; }
    return path + (path.indexOf("?") < 0 ? "?" : "&") + "db=" + encodeURIComponent(db);
  }

  // One API call: resolves to { status, data, text } (data is null when the body is not JSON),
  // rejects when the server cannot be reached or does not answer in time.
  async function call(method, path, credentials, body, accept) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    var headers = { "Authorization": credentials.authorization, "Accept": accept || "application/json" };
    // "omit": the Authorization header above is the only credential, and a refused one comes
    // back to the page as a 401 instead of opening the browser's login box.
    var init = { method: method, headers: headers, credentials: "omit", cache: "no-store" };
    if (controller) { init.signal = controller.signal; }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      var response = await fetch(apiURL(path, credentials.db), init);
      var text = await response.text();
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      return { status: response.status, data: data, text: text };
    } finally {
      if (timer) { clearTimeout(timer); }
    }
  }

  function messageOf(data) {
    if (!data || typeof data !== "object") { return ""; }
    if (typeof data.message === "string" && data.message) { return data.message; }
    if (data.error && typeof data.error === "object" && typeof data.error.message === "string") { return data.error.message; }
    return typeof data.error === "string" ? data.error : "";
  }

  function errorCodeOf(data, status) {
    if (data && typeof data.error === "string") { return data.error; }
    if (data && data.error && typeof data.error === "object" && typeof data.error.code === "string") { return data.error.code; }
    return "http_" + status;
  }

  // Offline sign-in (a till that must sell with the network down): after a sign-in the server
  // accepted, the device keeps a PBKDF2-SHA-256 verifier of the password (random salt, 200,000
  // rounds; never the password) under `chainstore.offline.<db>|<login>`; when the server cannot be
  // reached, the same login and password are let in against it. Needs WebCrypto (https, or
  // this machine).
  var OFFLINE_ROUNDS = 200000;
  async function verifier(password, salt) {
    var key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
    var bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: OFFLINE_ROUNDS }, key, 256);
    return Array.prototype.map.call(new Uint8Array(bits), function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function offlineKey(login, db) { return "chainstore.offline." + db + "|" + login; }
  async function rememberOffline(login, db, password) {
    if (!window.crypto || !crypto.subtle) { return; }
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var hash = await verifier(password, salt);
    localStorage.setItem(offlineKey(login, db), JSON.stringify({ salt: Array.prototype.slice.call(salt), hash: hash }));
  }
  async function checkOffline(login, db, password) {
    if (!window.crypto || !crypto.subtle) { return false; }
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(offlineKey(login, db)) || "null"); } catch (e) { kept = null; }
    if (!kept || !Array.isArray(kept.salt) || typeof kept.hash !== "string") { return false; }
    return (await verifier(password, new Uint8Array(kept.salt))) === kept.hash;
  }

  // The sign-in form: the credentials are checked once with a small read, then handed to
  // `signedIn` ({ login, authorization, db, offline }); the password field is emptied. `before`
  // runs first on every attempt (the scan page unlocks its audio on this user gesture). With
  // `options.offline`, a server out of reach lets in a login that signed in here before (above),
  // with `offline: true`. `options.check` is the GET that proves the credentials (default: one
  // product of the catalogue).
  function signInWith(signedIn, before, options) {
    var offline = !!(options && options.offline);
    var button = byId("signin");
    var error = byId("signin-error");
    var loginField = byId("login");
    var passwordField = byId("password");
    var dbField = byId("db");
    byId("signin-form").addEventListener("submit", async function (event) {
      event.preventDefault();
      if (button.disabled) { return; }
      if (before) { before(); }
      var login = loginField.value.trim();
      var db = dbField.value.trim();
      if (!login) {
        error.textContent = t("Enter your login");
        loginField.focus();
        return;
      }
      var candidate = { login: login, authorization: basic(login, passwordField.value), db: db };
      error.textContent = "";
      button.disabled = true;
      button.textContent = t("Signing in...");
      var answer = null;
      // A page may name what proves the sign-in (a supplier cannot read the catalogue).
      var check = (options && options.check) || "/api/v1/catalogue?limit=1";
      try { answer = await call("GET", check, candidate); } catch (e) { answer = null; }
      button.disabled = false;
      button.textContent = t("Sign in");
      var password = passwordField.value;
      if (answer && answer.status === 200) {
        passwordField.value = "";
        byId("who").textContent = db ? t("Signed in as {0} ({1})", login, db) : t("Signed in as {0}", login);
        // Not awaited: the verifier's 200,000 rounds need not hold the sign-in up.
        if (offline) { rememberOffline(login, db, password).catch(function () { /* signs in online only */ }); }
        signedIn(candidate);
        return;
      }
      var unreachable = !answer || answer.status === 502 || answer.status === 503 || answer.status === 504;
      if (offline && unreachable && await checkOffline(login, db, password)) {
        passwordField.value = "";
        byId("who").textContent = t("Signed in as {0} (offline)", login);
        candidate.offline = true;
        signedIn(candidate);
        return;
      }
      if (offline && unreachable) {
        error.textContent = t("Offline: this login has not signed in on this device, or the password is wrong");
      } else if (!answer) {
        error.textContent = t("Network error");
      } else if (answer.status === 401) {
        error.textContent = t("Wrong login or password");
      } else {
        error.textContent = messageOf(answer.data) || t("Sign-in failed (HTTP {0})", answer.status);
      }
      passwordField.focus();
    });
  }

  // Follows bus channels by long polling (`/longpolling/poll`, the broadcast channel included):
  // `onNotes(notifications, first)` gets each answer's notifications (`first` for the first
  // answer, which holds what was said before); a failure waits `retryMs` and asks again. Never returns.
  async function follow(credentials, channels, onNotes, retryMs) {
    var last = 0, first = true;
    for (;;) {
      var answer;
      try {
        answer = await call("POST", "/longpolling/poll", credentials,
                            { jsonrpc: "2.0", method: "call", id: 1, params: { channels: channels, last: last, timeout: 15 } });
      } catch (e) { answer = null; }
      var notes = answer && answer.status === 200 && answer.data ? answer.data.result : null;
      if (!Array.isArray(notes)) {
        await new Promise(function (resolve) { setTimeout(resolve, retryMs || 10000); });
        continue;
      }
      notes.forEach(function (note) { last = Math.max(last, note.id || 0); });
      onNotes(notes, first);
      first = false;
    }
  }

  // Builds the shared parts, loads the language's messages, translates the page, then runs `init`.
  async function start(init) {
    buildSignIn();
    var button = byId("lang");
    if (button) {
      button.addEventListener("click", function () { setLanguage(lang === "zh_CN" ? "en" : "zh_CN"); });
    }
    messages = await load(lang);
    translate(document);
    init();
  }

  // A page's answer area: `report(state, text)` shows the text, then sets data-state and a
  // growing data-seq last, which browser tests wait for instead of sleeping.
  function reporter(element) {
    var seq = 0;
    return function (state, text) {
      element.textContent = text;
      seq += 1;
      element.dataset.state = state;
      element.dataset.seq = String(seq);
    };
  }

  // A random key for one request a page may have to resend (an order, an answer): the server
  // answers a resend under the same key with the first answer.
  function newKey(prefix) {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return prefix + Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  return {
    TIMEOUT_MS: TIMEOUT_MS, byId: byId, t: t, N_: N_, start: start, base64: base64, basic: basic, call: call, messageOf: messageOf,
    errorCodeOf: errorCodeOf, signInWith: signInWith, follow: follow, reporter: reporter, newKey: newKey,
    language: function () { return lang; },
    setLanguage: setLanguage,
    onLanguage: function (listener) { listeners.push(listener); }
  };
})();
