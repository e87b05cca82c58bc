// The back office (/web): sign-in, menus, and for every model a list (sort, pages, search facets,
// group-by, CSV export) and a form (fields by type, many2one autocomplete through name_search,
// many2many tags, editable one2many lines, the buttons the owning module declares). Everything
// it shows comes from the server: menus and views from /web/webclient/*, records through Odoo's
// /web/dataset/call_kw, in the user's language (labels translated by the server, the page's own
// texts by the catalogue).
(function () {
  "use strict";

  var t = Chainstore.t, N_ = Chainstore.N_, byId = Chainstore.byId;
  var PAGE = 80;
  var EXPORT_LIMIT = 100000;
  var session = null;
  // The session's CSRF token: the back office's own posts carry it (X-CSRF-Token).
  var csrf = "";
  var menus = null;
  var views = {};
  var seq = 0;
  var view = byId("view");

  // ---------------------------------------------------------------- server

  function odooLang() { return Chainstore.language() === "zh_CN" ? "zh_CN" : "en_US"; }
  function locale() { return Chainstore.language() === "zh_CN" ? "zh-CN" : "en-US"; }

  function ServerError(message, data) {
    this.message = message;
    this.data = data || {};
  }

  // A JSON-RPC call to one of Odoo's web routes: the result, or a ServerError with its message.
  async function rpc(path, params) {
    var response;
    try {
      response = await fetch(path, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: Date.now(), params: params })
      });
    } catch (e) {
      throw new ServerError(t("Network error"));
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok || !data) { throw new ServerError(t("Error (HTTP {0})", response.status)); }
    if (data.error) {
      var detail = data.error.data || {};
      if (detail.name === "odoo.http.SessionExpiredException") { showLogin(t("Your session has ended. Sign in again.")); }
      throw new ServerError(detail.message || data.error.message || t("Error"), detail);
    }
    return data.result;
  }

  function call(model, method, args, kwargs) {
    var options = Object.assign({}, kwargs || {});
    options.context = Object.assign({ lang: odooLang(), tz: "Asia/Shanghai" }, options.context || {});
    return rpc("/web/dataset/call_kw/" + model + "/" + method, { model: model, method: method, args: args || [], kwargs: options });
  }

  async function getJSON(path) {
    var response;
    try {
      response = await fetch(path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + odooLang(), { credentials: "same-origin", cache: "no-store" });
    } catch (e) {
      throw new ServerError(t("Network error"));
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) { showLogin(t("Your session has ended. Sign in again.")); }
    if (!response.ok) { throw new ServerError(Chainstore.messageOf(data) || t("Error (HTTP {0})", response.status)); }
    return data;
  }

  // A post to one of the back office's own routes (JSON in and out, the CSRF token with it).
  async function post(path, body) {
    var response;
    try {
      response = await fetch(path, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body || {})
      });
    } catch (e) {
      throw new ServerError(t("Network error"));
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) { throw new ServerError(Chainstore.messageOf(data) || t("Error (HTTP {0})", response.status), { status: response.status }); }
    return data;
  }

  async function viewsOf(model) {
    var key = model + "|" + odooLang();
    if (!views[key]) { views[key] = await getJSON("/web/webclient/views?model=" + encodeURIComponent(model)); }
    return views[key];
  }

  // ---------------------------------------------------------------- sign-in

  // Shows one of the sign-in screens: the password form, the code, the enrolment, the recovery codes.
  function signInStep(id) {
    ["login-form", "totp-form", "enrol-form", "password-form", "recovery-view"].forEach(function (step) { byId(step).hidden = step !== id; });
  }

  function showLogin(message) {
    session = null;
    csrf = "";
    byId("app").hidden = true;
    byId("signout").hidden = true;
    byId("who").textContent = "";
    byId("login-view").hidden = false;
    signInStep("login-form");
    byId("login-error").textContent = message || "";
    byId("login").focus();
  }

  // The user's language (res.users.lang) at sign-in; a page reloaded in a session keeps the one
  // last chosen with the header's button.
  async function enter(info, fresh) {
    session = info;
    csrf = info.csrf_token || "";
    var userLang = info.user_context && info.user_context.lang;
    var chosen = fresh ? null : localStorage.getItem("chainstore.backoffice.lang");
    var wanted = chosen || (userLang === "zh_CN" ? "zh_CN" : "en");
    if (wanted !== Chainstore.language()) { await switchLanguage(wanted); }
    byId("login-view").hidden = true;
    byId("app").hidden = false;
    byId("signout").hidden = false;
    byId("who").textContent = info.name + (info.user_companies ? " · " + companyName(info) : "");
    await loadMenus();
    route();
  }

  function companyName(info) {
    var companies = info.user_companies;
    var current = companies.allowed_companies[String(companies.current_company)];
    return current ? current.name : "";
  }

  async function signIn(event) {
    event.preventDefault();
    var button = byId("signin"), error = byId("login-error");
    var login = byId("login").value.trim(), password = byId("password").value;
    var db = byId("db").value.trim();
    if (!login) {
      error.textContent = t("Enter your login");
      return;
    }
    button.disabled = true;
    error.textContent = "";
    try {
      if (!db) {
        var names = await rpc("/web/database/list", {});
        db = names && names.length ? names[0] : "";
      }
      var info = await rpc("/web/session/authenticate", { db: db, login: login, password: password });
      byId("password").value = "";
      csrf = info.csrf_token || "";
      if (info.uid === null && info.two_factor === "totp") {
        signInStep("totp-form");
        byId("totp-code").focus();
      } else if (info.uid === null && info.two_factor === "password") {
        signInStep("password-form");
        byId("old-password").focus();
      } else if (info.uid === null && info.two_factor === "enrol") {
        await startEnrolment(byId("enrol-qr"), byId("enrol-secret"));
        signInStep("enrol-form");
        byId("enrol-code").focus();
      } else {
        await enter(info, true);
      }
    } catch (e) {
      error.textContent = e.data && e.data.name === "odoo.exceptions.AccessDenied" ? t("Wrong login or password") : e.message;
    } finally {
      button.disabled = false;
    }
  }

  // The second step: a code from the app (or a recovery code), then the session's info.
  async function verifyCode(event) {
    event.preventDefault();
    var button = byId("totp-verify"), error = byId("totp-error");
    button.disabled = true;
    error.textContent = "";
    try {
      var passed = await post("/web/session/totp", { code: byId("totp-code").value.trim() });
      byId("totp-code").value = "";
      await next(passed);
    } catch (e) {
      if (e.data && e.data.status === 403) {
        error.textContent = e.message === "Wrong code" ? t("Wrong code") : e.message;
      } else {
        showLogin(e.message);
      }
    } finally {
      button.disabled = false;
    }
  }

  // After a sign-in step: the next one (a new password), or the signed-in session.
  var afterRecovery = null;
  async function next(answer) {
    if (answer && answer.two_factor === "password") {
      signInStep("password-form");
      byId("old-password").focus();
      return;
    }
    await enter(await rpc("/web/session/get_session_info", {}), true);
  }

  // A new password, checked twice here and by the server's policy; the current one proves it is the user.
  async function changePassword(old, fresh, again) {
    if (fresh !== again) { throw new ServerError(t("The two new passwords differ.")); }
    return post("/web/password/change", { old: old, "new": fresh });
  }

  async function savePassword(event) {
    event.preventDefault();
    var button = byId("password-save"), error = byId("password-error");
    button.disabled = true;
    error.textContent = "";
    try {
      await changePassword(byId("old-password").value, byId("new-password").value, byId("new-password-again").value);
      ["old-password", "new-password", "new-password-again"].forEach(function (id) { byId(id).value = ""; });
      await next(null);
    } catch (e) {
      error.textContent = e.message;
      if (e.data && e.data.status === 401) { showLogin(e.message); }
    } finally {
      button.disabled = false;
    }
  }

  // A new secret to enrol: its QR code into `image`, its text into `key`.
  async function startEnrolment(image, key) {
    var answer = await post("/web/totp/begin", {});
    image.src = "data:image/svg+xml;base64," + Chainstore.base64(answer.qr_svg);
    key.textContent = answer.secret.replace(/(.{4})/g, "$1 ").trim();
    key.dataset.secret = answer.secret;
  }

  async function finishEnrolment(event) {
    event.preventDefault();
    var button = byId("enrol-verify"), error = byId("enrol-error");
    button.disabled = true;
    error.textContent = "";
    try {
      var answer = await post("/web/totp/enable", { code: byId("enrol-code").value.trim() });
      byId("enrol-code").value = "";
      afterRecovery = answer;
      showRecoveryCodes(byId("recovery-codes"), answer.recovery_codes);
      signInStep("recovery-view");
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  }

  function showRecoveryCodes(list, codes) {
    list.textContent = "";
    codes.forEach(function (code) { list.appendChild(element("li", "", code)); });
  }

  async function signOut() {
    try { await rpc("/web/session/destroy", {}); } catch (e) { /* signed out anyway */ }
    views = {};
    showLogin("");
  }

  // Switches the page's language as the header's button does, without remembering it as chosen.
  var switching = false;
  async function switchLanguage(language) {
    switching = true;
    try { await Chainstore.setLanguage(language); } finally { switching = false; }
  }

  // ---------------------------------------------------------------- menus and routes

  async function loadMenus() {
    menus = await getJSON("/web/webclient/load_menus");
    var nav = byId("menu");
    nav.textContent = "";
    menus.areas.forEach(function (area) {
      var title = document.createElement("h2");
      title.textContent = area.label;
      nav.appendChild(title);
      area.items.forEach(function (item) {
        var link = document.createElement("a");
        link.href = "#model=" + encodeURIComponent(item.model);
        link.textContent = item.label;
        link.dataset.model = item.model;
        nav.appendChild(link);
      });
    });
  }

  function menuLabel(model) {
    var found = null;
    (menus ? menus.areas : []).forEach(function (area) {
      area.items.forEach(function (item) { if (item.model === model) { found = item.label; } });
    });
    return found;
  }

  function parseHash() {
    var params = {};
    (location.hash.replace(/^#/, "") || "").split("&").forEach(function (part) {
      if (!part) { return; }
      var at = part.indexOf("=");
      if (at < 0) { return; }
      params[decodeURIComponent(part.slice(0, at))] = decodeURIComponent(part.slice(at + 1));
    });
    return params;
  }

  function hashOf(params) {
    return "#" + Object.keys(params).filter(function (key) { return params[key] !== undefined && params[key] !== ""; })
      .map(function (key) { return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]); }).join("&");
  }

  function go(params) { location.hash = hashOf(params); }

  // Marks the view drawn: data-drawn-at (ms since the page's navigation began) and a growing
  // data-seq, set last, which browser tests and the benchmark wait for.
  function drawn(state) {
    view.dataset.drawnAt = String(Math.round(performance.now()));
    seq += 1;
    view.dataset.state = state;
    view.dataset.seq = String(seq);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function banner(kind, text) {
    var node = element("p", "banner " + kind, text);
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    return node;
  }

  async function route() {
    if (!session) { return; }
    if (location.hash === "#account") {
      try {
        await account();
      } catch (e) {
        view.textContent = "";
        view.appendChild(banner("error", e.message));
        drawn("error");
      }
      return;
    }
    view.classList.remove("account");
    var params = parseHash();
    document.querySelectorAll("#menu a").forEach(function (link) { link.classList.toggle("active", link.dataset.model === params.model); });
    try {
      if (!params.model) {
        home();
      } else if (params.id) {
        await form(params);
      } else {
        await list(params);
      }
    } catch (e) {
      view.textContent = "";
      view.appendChild(banner("error", e.message));
      drawn("error");
    }
  }

  // The dashboard: the modules' charts, each computed as this user (a store sees its own figures,
  // a city manager its city's), then the menus' areas as quick links. Drawn again every 30 s while
  // it is on screen, so devices going offline and alerts firing show without a reload.
  var homeRefresh = null;
  async function home() {
    clearTimeout(homeRefresh);
    homeRefresh = setTimeout(function () {
      if (session && !parseHash().model && location.hash !== "#account" && !document.hidden) { home().catch(function () {}); }
    }, 30000);
    var data = await getJSON("/web/dashboard");
    var charting = await chartLibrary();
    view.textContent = "";
    view.appendChild(element("h1", "", t("Welcome, {0}", session.name)));
    var cards = element("div", "dashboard");
    cards.id = "dashboard";
    data.cards.forEach(function (card) {
      var box = element("section", "card");
      box.dataset.card = card.id;
      box.appendChild(element("h2", "", card.title));
      if (!card.values.length) {
        box.appendChild(element("p", "empty-card", t("Nothing yet")));
      } else {
        if (charting) { box.appendChild(drawChart(card)); }
        box.appendChild(cardTable(card, charting));
      }
      cards.appendChild(box);
    });
    view.appendChild(cards);
    var grid = element("div", "home");
    menus.areas.forEach(function (area) {
      var box = element("section");
      box.appendChild(element("h2", "", area.label));
      area.items.forEach(function (item) {
        var link = element("a", "", item.label);
        link.href = "#model=" + encodeURIComponent(item.model);
        box.appendChild(link);
      });
      grid.appendChild(box);
    });
    view.appendChild(grid);
    drawn("ready");
  }

  // Chart.js from the system's package, loaded once when the page names it.
  var chartLoading = null;
  function chartLibrary() {
    var meta = document.querySelector('meta[name="chainstore-chart"]');
    var source = meta ? meta.getAttribute("content") : "";
    if (!source) { return Promise.resolve(false); }
    if (window.Chart) { return Promise.resolve(true); }
    if (!chartLoading) {
      chartLoading = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = source;
        script.onload = function () { resolve(!!window.Chart); };
        script.onerror = function () { resolve(false); };
        document.head.appendChild(script);
      });
    }
    return chartLoading;
  }

  var PALETTE = ["#1f5fbf", "#e07b00", "#2e9e5b", "#c0392b", "#7d4cc4", "#8c6d31", "#d64e9e", "#5c6b73", "#17a2b8", "#b5a300"];

  function drawChart(card) {
    var holder = element("div", "chart");
    var canvas = element("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", card.title);
    holder.appendChild(canvas);
    var numbers = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 });
    var pie = card.chart === "pie";
    // Drawn after the canvas is in the page, so it knows its size.
    setTimeout(function () {
      new window.Chart(canvas, {
        type: card.chart,
        data: {
          labels: card.labels.map(function (label) { return label[1]; }),
          datasets: [{
            label: card.measure, data: card.values, borderColor: pie ? "#fff" : PALETTE[0], tension: 0.2,
            backgroundColor: pie ? PALETTE : PALETTE[0]
          }]
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: pie, position: "right" } },
          scales: pie ? {} : { y: { beginAtZero: true, ticks: { callback: function (value) { return numbers.format(value); } } } }
        }
      });
    }, 0);
    return holder;
  }

  // The card's figures as a table: shown without charts, and read by screen readers with them.
  function cardTable(card, charting) {
    var table = element("table", "records" + (charting ? " figures" : ""));
    var numbers = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 });
    var body = element("tbody");
    card.labels.forEach(function (label, index) {
      var row = element("tr");
      row.appendChild(element("td", "", label[1]));
      row.appendChild(element("td", "number", numbers.format(card.values[index])));
      body.appendChild(row);
    });
    table.appendChild(body);
    return table;
  }

  // ---------------------------------------------------------------- the user's own account

  // Two-factor sign-in (set up, turn off) and the live sessions (an administrator sees everyone's),
  // each of which can be ended.
  async function account() {
    var me = (await call("res.users", "read", [[session.uid], ["name", "login", "totp_enabled"]]))[0];
    var listed = await getJSON("/web/session/list" + (session.is_system ? "?all=1" : ""));
    view.textContent = "";
    view.classList.add("account");
    view.appendChild(element("h1", "", t("My account")));
    var factor = element("section");
    factor.id = "two-factor";
    factor.appendChild(element("h2", "", t("Two-factor sign-in")));
    var state = element("p", "", me.totp_enabled ? t("On: signing in asks for a code from your authenticator app.") : t("Off: signing in asks only for your password."));
    state.id = "two-factor-state";
    factor.appendChild(state);
    var message = element("div");
    factor.appendChild(message);
    var code = element("input");
    code.id = "account-code";
    code.inputMode = "numeric";
    code.autocomplete = "one-time-code";
    code.placeholder = t("Verification code");
    if (me.totp_enabled) {
      var off = element("button", "secondary", t("Turn off"));
      off.id = "totp-off";
      off.type = "button";
      off.addEventListener("click", async function () {
        try {
          await post("/web/totp/disable", { code: code.value.trim() });
          await route();
        } catch (e) {
          message.textContent = "";
          message.appendChild(banner("error", e.message));
          drawn("error");
        }
      });
      factor.appendChild(code);
      factor.appendChild(document.createTextNode(" "));
      factor.appendChild(off);
    } else {
      var setUp = element("button", "", t("Set up"));
      setUp.id = "totp-setup";
      setUp.type = "button";
      setUp.addEventListener("click", async function () {
        var image = element("img");
        image.id = "account-qr";
        image.alt = t("QR code to scan with an authenticator app");
        var key = element("code");
        key.id = "account-secret";
        var confirm = element("button", "", t("Turn on"));
        confirm.id = "totp-on";
        confirm.type = "button";
        setUp.remove();
        try {
          await startEnrolment(image, key);
        } catch (e) {
          message.appendChild(banner("error", e.message));
          drawn("error");
          return;
        }
        factor.appendChild(image);
        var line = element("p", "", t("Or type this key:") + " ");
        line.appendChild(key);
        factor.appendChild(line);
        factor.appendChild(code);
        factor.appendChild(document.createTextNode(" "));
        factor.appendChild(confirm);
        confirm.addEventListener("click", async function () {
          message.textContent = "";
          try {
            var answer = await post("/web/totp/enable", { code: code.value.trim() });
            var codes = element("ul");
            codes.id = "account-recovery-codes";
            showRecoveryCodes(codes, answer.recovery_codes);
            factor.textContent = "";
            factor.appendChild(element("h2", "", t("Your recovery codes")));
            factor.appendChild(element("p", "", t("Keep these codes somewhere safe. Each signs you in once if you lose your phone; they are not shown again.")));
            factor.appendChild(codes);
            drawn("ready");
          } catch (e) {
            message.appendChild(banner("error", e.message));
            drawn("error");
          }
        });
        drawn("ready");
      });
      factor.appendChild(setUp);
    }
    view.appendChild(factor);
    view.appendChild(passwordSection());

    var sessions = element("section");
    sessions.appendChild(element("h2", "", t("Active sessions")));
    var table = element("table", "records");
    table.id = "sessions";
    var head = element("tr");
    [t("User"), t("Signed in"), t("Last active"), t("Ends"), t("Address"), ""].forEach(function (text) { head.appendChild(element("th", "", text)); });
    var thead = element("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = element("tbody");
    listed.sessions.forEach(function (row) {
      var line = element("tr");
      line.dataset.id = String(row.id);
      line.appendChild(element("td", "", row.login + (row.current ? " (" + t("this session") + ")" : "")));
      [row.opened, row.last_seen, row.ends].forEach(function (when) { line.appendChild(element("td", "", new Date(when).toLocaleString(locale()))); });
      line.appendChild(element("td", "", row.address || ""));
      var cell = element("td");
      var end = element("button", "secondary", t("End"));
      end.type = "button";
      end.addEventListener("click", async function () {
        try {
          await post("/web/session/revoke", { id: row.id });
          if (row.current) { showLogin(""); } else { await route(); }
        } catch (e) {
          view.insertBefore(banner("error", e.message), view.firstChild.nextSibling);
          drawn("error");
        }
      });
      cell.appendChild(end);
      line.appendChild(cell);
      body.appendChild(line);
    });
    table.appendChild(body);
    sessions.appendChild(table);
    view.appendChild(sessions);
    drawn("ready");
  }

  function passwordSection() {
    var box = element("section");
    box.id = "change-password";
    box.appendChild(element("h2", "", t("Change password")));
    var message = element("div");
    var fields = [["account-old-password", t("Current password"), "current-password"], ["account-new-password", t("New password"), "new-password"],
                  ["account-new-password-again", t("New password again"), "new-password"]].map(function (spec) {
      var input = element("input");
      input.id = spec[0];
      input.type = "password";
      input.autocomplete = spec[2];
      input.placeholder = spec[1];
      input.setAttribute("aria-label", spec[1]);
      box.appendChild(input);
      box.appendChild(document.createTextNode(" "));
      return input;
    });
    var save = element("button", "", t("Change password"));
    save.id = "account-password-save";
    save.type = "button";
    save.addEventListener("click", async function () {
      message.textContent = "";
      try {
        await changePassword(fields[0].value, fields[1].value, fields[2].value);
        fields.forEach(function (input) { input.value = ""; });
        message.appendChild(banner("info", t("Password changed. Your other sessions have ended.")));
        drawn("ready");
      } catch (e) {
        message.appendChild(banner("error", e.message));
        drawn("error");
      }
    });
    box.appendChild(save);
    box.appendChild(message);
    return box;
  }

  // ---------------------------------------------------------------- values

  function formatValue(info, value) {
    if (!info) { return value === false || value === null || value === undefined ? "" : String(value); }
    switch (info.type) {
    case "many2one": return Array.isArray(value) ? value[1] : "";
    case "one2many": case "many2many": return Array.isArray(value) ? t("{0} records", value.length) : "";
    case "boolean": return value ? "\u2713" : "";
    case "selection":
      var option = (info.selection || []).filter(function (pair) { return pair[0] === value; })[0];
      return option ? option[1] : (value || "");
    case "integer": return value === false || value === null ? "" : new Intl.NumberFormat(locale()).format(value);
    case "float":
      if (value === false || value === null) { return ""; }
      var digits = info.digits ? info.digits[1] : 2;
      return new Intl.NumberFormat(locale(), { minimumFractionDigits: Math.min(digits, 2), maximumFractionDigits: digits }).format(value);
    case "monetary":
      if (value === false || value === null) { return ""; }
      return new Intl.NumberFormat(locale(), { style: "currency", currency: "CNY" }).format(value);
    case "date": return value ? new Date(value + "T00:00:00").toLocaleDateString(locale()) : "";
    case "datetime": return value ? utc(value).toLocaleString(locale()) : "";
    default: return value === false || value === null || value === undefined ? "" : String(value);
    }
  }

  function utc(text) { return new Date(text.replace(" ", "T") + "Z"); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // A datetime-local input's value (the browser's time) for the server's UTC text, and back.
  function localInput(text) {
    if (!text) { return ""; }
    var d = utc(text);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function serverDatetime(local) {
    if (!local) { return false; }
    var d = new Date(local);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":" +
      pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function isNumber(info) { return info && ["integer", "float", "monetary"].indexOf(info.type) >= 0; }

  // ---------------------------------------------------------------- list

  // Search facets: [{field, label, value}] — a field's values OR-ed, facets AND-ed (Odoo's search bar).
  function facetsOf(params) {
    try {
      var facets = JSON.parse(params.filter || "[]");
      return Array.isArray(facets) ? facets : [];
    } catch (e) {
      return [];
    }
  }

  function domainOf(facets, spec) {
    var byField = {};
    facets.forEach(function (facet) { (byField[facet.field] = byField[facet.field] || []).push(facet); });
    var domain = [];
    Object.keys(byField).forEach(function (field) {
      var leaves = byField[field].map(function (facet) {
        var info = spec.fields[field] || {};
        if (facet.exact) { return [field, "=", facet.value]; }
        return [field, ["char", "text", "many2one", "many2many", "one2many", "html"].indexOf(info.type) >= 0 || !info.type ? "ilike" : "=", facet.value];
      });
      for (var i = 1; i < leaves.length; i += 1) { domain.push("|"); }
      domain = domain.concat(leaves);
    });
    return domain;
  }

  async function list(params) {
    var model = params.model;
    var spec = await viewsOf(model);
    var cards = params.view === "kanban";
    var columns = (cards ? spec.kanban : spec.list).filter(function (name) { return spec.fields[name]; });
    var facets = facetsOf(params);
    var domain = domainOf(facets, spec);
    var order = params.order || "";
    var page = Math.max(0, parseInt(params.page || "0", 10) || 0);
    var group = params.group || "";
    var title = menuLabel(model) || spec.label;

    var answers = await Promise.all([
      call(model, "search_count", [domain]),
      group ? call(model, "read_group", [domain, [group], [group]], { lazy: true, orderby: group })
        : call(model, "search_read", [domain, cards ? columns.concat(["display_name"]) : columns], { offset: page * PAGE, limit: PAGE, order: order || spec.order })
    ]);
    var total = answers[0], rows = answers[1];

    view.textContent = "";
    view.appendChild(element("h1", "", title));
    var toolbar = element("div", "toolbar");
    var create = element("button", "", t("New"));
    create.id = "create";
    create.type = "button";
    create.addEventListener("click", function () { go({ model: model, id: "new" }); });
    toolbar.appendChild(create);
    toolbar.appendChild(searchBar(params, spec, facets));
    toolbar.appendChild(groupPicker(params, spec));
    var exporter = element("button", "secondary", t("Export"));
    exporter.id = "export";
    exporter.type = "button";
    exporter.addEventListener("click", function () { exportCSV(model, spec, columns, domain, order || spec.order, title, exporter); });
    toolbar.appendChild(exporter);
    // Cards (Odoo's kanban) or rows: the same records, sort, facets and pages.
    var switcher = element("button", "secondary", cards ? t("List") : t("Cards"));
    switcher.id = "view-switch";
    switcher.type = "button";
    switcher.addEventListener("click", function () { go(Object.assign({}, params, { view: cards ? "" : "kanban" })); });
    toolbar.appendChild(switcher);
    toolbar.appendChild(element("span", "grow"));
    if (!group) { toolbar.appendChild(pager(params, total, page)); }
    view.appendChild(toolbar);

    if (group) {
      view.appendChild(groupTable(params, spec, group, rows, facets));
    } else if (!rows.length) {
      view.appendChild(element("p", "empty", t("No records")));
    } else if (cards) {
      view.appendChild(cardGrid(params, spec, columns, rows));
    } else {
      view.appendChild(recordTable(params, spec, columns, rows, order));
    }
    drawn("ready");
  }

  function pager(params, total, page) {
    var box = element("span", "pager");
    var first = total ? page * PAGE + 1 : 0, last = Math.min(total, (page + 1) * PAGE);
    var text = element("span", "", t("{0}-{1} of {2}", first, last, new Intl.NumberFormat(locale()).format(total)));
    text.id = "pager-value";
    var previous = element("button", "secondary", "\u2039");
    previous.id = "previous";
    previous.type = "button";
    previous.setAttribute("aria-label", t("Previous page"));
    previous.disabled = page === 0;
    previous.addEventListener("click", function () { go(Object.assign({}, params, { page: String(page - 1) })); });
    var next = element("button", "secondary", "\u203A");
    next.id = "next";
    next.type = "button";
    next.setAttribute("aria-label", t("Next page"));
    next.disabled = last >= total;
    next.addEventListener("click", function () { go(Object.assign({}, params, { page: String(page + 1) })); });
    box.appendChild(text);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(previous);
    box.appendChild(next);
    return box;
  }

  // Typing offers "Search <field> for: <text>" per search field; Enter takes the first.
  function searchBar(params, spec, facets) {
    var box = element("div", "search");
    facets.forEach(function (facet, index) {
      var chip = element("span", "facet", facet.label + ": " + facet.text);
      var remove = element("button", "", "\u00D7");
      remove.type = "button";
      remove.setAttribute("aria-label", t("Remove"));
      remove.addEventListener("click", function () {
        var rest = facets.slice(0, index).concat(facets.slice(index + 1));
        go(Object.assign({}, params, { filter: rest.length ? JSON.stringify(rest) : "", page: "" }));
      });
      chip.appendChild(remove);
      box.appendChild(chip);
    });
    var input = element("input");
    input.id = "search";
    input.type = "search";
    input.placeholder = t("Search\u2026");
    input.autocomplete = "off";
    box.appendChild(input);
    var options = element("ul", "suggestions");
    options.hidden = true;
    box.appendChild(options);
    var fields = spec.search.filter(function (name) { return spec.fields[name]; });
    var active = 0;
    function add(field) {
      var text = input.value.trim();
      if (!text) { return; }
      var info = spec.fields[field];
      var facet = { field: field, label: info.string, text: text, value: text };
      go(Object.assign({}, params, { filter: JSON.stringify(facets.concat([facet])), page: "" }));
    }
    function show() {
      var text = input.value.trim();
      options.textContent = "";
      options.hidden = !text;
      fields.forEach(function (field, index) {
        var item = element("li", index === active ? "active" : "", t("Search {0} for: {1}", spec.fields[field].string, text));
        item.dataset.field = field;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); add(field); });
        options.appendChild(item);
      });
    }
    input.addEventListener("input", function () { active = 0; show(); });
    input.addEventListener("blur", function () { options.hidden = true; });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : fields.length - 1)) % Math.max(fields.length, 1);
        show();
      } else if (event.key === "Enter" && fields.length) {
        event.preventDefault();
        add(fields[active]);
      } else if (event.key === "Backspace" && !input.value && facets.length) {
        var rest = facets.slice(0, -1);
        go(Object.assign({}, params, { filter: rest.length ? JSON.stringify(rest) : "", page: "" }));
      }
    });
    return box;
  }

  function groupable(info) {
    return info && info.sortable && ["many2one", "selection", "boolean", "date", "datetime"].indexOf(info.type) >= 0;
  }

  function groupPicker(params, spec) {
    var picker = element("select");
    picker.id = "group-by";
    picker.setAttribute("aria-label", t("Group by"));
    var none = element("option", "", t("Group by\u2026"));
    none.value = "";
    picker.appendChild(none);
    Object.keys(spec.fields).filter(function (name) { return groupable(spec.fields[name]) && name !== "display_name"; })
      .sort(function (a, b) { return spec.fields[a].string.localeCompare(spec.fields[b].string, locale()); })
      .forEach(function (name) {
        var option = element("option", "", spec.fields[name].string);
        option.value = name;
        option.selected = params.group === name;
        picker.appendChild(option);
      });
    picker.addEventListener("change", function () { go(Object.assign({}, params, { group: picker.value, page: "" })); });
    return picker;
  }

  function groupTable(params, spec, group, groups, facets) {
    var info = spec.fields[group];
    var table = element("table", "records");
    table.id = "groups";
    var head = element("thead"), row = element("tr");
    row.appendChild(element("th", "", info.string));
    row.appendChild(element("th", "number", t("Count")));
    head.appendChild(row);
    table.appendChild(head);
    var body = element("tbody");
    groups.forEach(function (entry) {
      var value = entry[group];
      var line = element("tr", "group");
      line.appendChild(element("td", "", formatValue(info, value) || t("None")));
      line.appendChild(element("td", "number", new Intl.NumberFormat(locale()).format(entry[group + "_count"] || entry.__count || 0)));
      line.addEventListener("click", function () {
        // Drill down: the group becomes a facet, and the list shows its records.
        var exact = Array.isArray(value) ? value[0] : value;
        var facet = { field: group, label: info.string, text: formatValue(info, value) || t("None"), value: exact, exact: true };
        go(Object.assign({}, params, { group: "", filter: JSON.stringify(facets.concat([facet])), page: "" }));
      });
      body.appendChild(line);
    });
    table.appendChild(body);
    return table;
  }

  function recordTable(params, spec, columns, rows, order) {
    var table = element("table", "records");
    table.id = "records";
    var head = element("thead"), row = element("tr");
    var sortField = order.split(/[ ,]/)[0], descending = / desc/i.test(order.split(",")[0]);
    columns.forEach(function (name) {
      var info = spec.fields[name];
      var cell = element("th", isNumber(info) ? "number" : "", info.string);
      cell.dataset.field = name;
      if (info.sortable) {
        cell.classList.add("sortable");
        if (sortField === name) { cell.setAttribute("aria-sort", descending ? "descending" : "ascending"); }
        cell.addEventListener("click", function () {
          var next = sortField === name && !descending ? name + " desc" : name;
          go(Object.assign({}, params, { order: next, page: "" }));
        });
      }
      row.appendChild(cell);
    });
    head.appendChild(row);
    table.appendChild(head);
    var body = element("tbody");
    rows.forEach(function (record) {
      var line = element("tr", "record");
      line.dataset.id = String(record.id);
      columns.forEach(function (name) {
        var info = spec.fields[name];
        var cell = element("td", isNumber(info) ? "number" : "", formatValue(info, record[name]));
        cell.dataset.field = name;
        line.appendChild(cell);
      });
      line.addEventListener("click", function () { go({ model: params.model, id: String(record.id) }); });
      body.appendChild(line);
    });
    table.appendChild(body);
    return table;
  }

  // One card per record: its name, then each kanban field as "label: value".
  function cardGrid(params, spec, columns, rows) {
    var grid = element("div", "kanban");
    grid.id = "cards";
    rows.forEach(function (record) {
      var card = element("article", "kanban-card");
      card.dataset.id = String(record.id);
      card.tabIndex = 0;
      card.appendChild(element("h3", "", record.display_name || ("#" + record.id)));
      columns.filter(function (name) { return name !== spec.rec_name; }).forEach(function (name) {
        var value = formatValue(spec.fields[name], record[name]);
        if (!value) { return; }
        var line = element("p");
        line.dataset.field = name;
        line.appendChild(element("span", "kanban-label", spec.fields[name].string + ": "));
        line.appendChild(document.createTextNode(value));
        card.appendChild(line);
      });
      var open = function () { go({ model: params.model, id: String(record.id) }); };
      card.addEventListener("click", open);
      card.addEventListener("keydown", function (event) { if (event.key === "Enter") { open(); } });
      grid.appendChild(card);
    });
    return grid;
  }

  function csvCell(text) {
    var value = String(text);
    return /[",\n\r]/.test(value) || /^[=+\-@]/.test(value) ? "\"" + (/^[=+\-@]/.test(value) ? "'" : "") + value.replace(/"/g, "\"\"") + "\"" : value;
  }

  // Every matching record (up to EXPORT_LIMIT), the list's columns, as CSV with a BOM (Excel
  // reads Chinese right); values as shown, numbers without grouping; formula-like text defused.
  async function exportCSV(model, spec, columns, domain, order, title, button) {
    button.disabled = true;
    try {
      var rows = await call(model, "search_read", [domain, columns], { limit: EXPORT_LIMIT, order: order });
      var lines = [columns.map(function (name) { return csvCell(spec.fields[name].string); }).join(",")];
      rows.forEach(function (record) {
        lines.push(columns.map(function (name) {
          var info = spec.fields[name], value = record[name];
          if (isNumber(info)) { return value === false || value === null ? "" : String(value); }
          return csvCell(formatValue(info, value));
        }).join(","));
      });
      var blob = new Blob(["\uFEFF" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      var link = element("a");
      link.href = URL.createObjectURL(blob);
      link.download = model + ".csv";
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    } catch (e) {
      view.insertBefore(banner("error", e.message), view.firstChild.nextSibling);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- form

  async function form(params) {
    var model = params.model;
    var spec = await viewsOf(model);
    var names = spec.form.filter(function (name) { return spec.fields[name]; });
    var isNew = params.id === "new";
    var record;
    if (isNew) {
      record = await call(model, "default_get", [names]);
      // Defaults name related records by id: their names are read for the form.
      for (var k = 0; k < names.length; k += 1) {
        var field = spec.fields[names[k]];
        if (field.type === "many2one" && typeof record[names[k]] === "number") {
          var named = await call(field.relation, "read", [[record[names[k]]], ["display_name"]]);
          record[names[k]] = named.length ? [named[0].id, named[0].display_name] : false;
        }
      }
    } else {
      var id = parseInt(params.id, 10);
      if (!(id > 0)) { throw new ServerError(t("No such record")); }
      var found = await call(model, "read", [[id], names.concat(["display_name"])]);
      if (!found.length) { throw new ServerError(t("This record does not exist or you may not see it.")); }
      record = found[0];
    }
    var lineSpecs = {};
    for (var i = 0; i < names.length; i += 1) {
      var info = spec.fields[names[i]];
      if (info.type === "one2many") { lineSpecs[names[i]] = await viewsOf(info.relation); }
    }
    var lineRows = {};
    for (var name in lineSpecs) {
      var lineSpec = lineSpecs[name];
      var lineColumns = lineSpec.list.filter(function (field) { return lineSpec.fields[field] && field !== spec.fields[name].relation_field; });
      lineRows[name] = { columns: lineColumns, rows: record[name] && record[name].length ? await call(spec.fields[name].relation, "read", [record[name], lineColumns]) : [] };
    }
    drawForm(params, spec, names, record, isNew, lineSpecs, lineRows);
  }

  // A record whose state is final (done, cancelled) is shown, not edited, as in Odoo.
  var FINAL_STATES = ["done", "cancel"];

  function drawForm(params, spec, names, record, isNew, lineSpecs, lineRows) {
    var model = params.model;
    var locked = !isNew && FINAL_STATES.indexOf(record.state) >= 0;
    if (locked) {
      spec = Object.assign({}, spec, { fields: lockedFields(spec.fields) });
      lineSpecs = Object.keys(lineSpecs).reduce(function (all, name) {
        all[name] = Object.assign({}, lineSpecs[name], { fields: lockedFields(lineSpecs[name].fields) });
        return all;
      }, {});
    }
    var changes = {};
    var lineChanges = {};
    view.textContent = "";
    var crumbs = element("p", "breadcrumb");
    var back = element("a", "", menuLabel(model) || spec.label);
    back.href = "#model=" + encodeURIComponent(model);
    crumbs.appendChild(back);
    crumbs.appendChild(document.createTextNode(" / " + (isNew ? t("New") : (record.display_name || "#" + record.id))));
    view.appendChild(crumbs);

    var bar = element("div", "statusbar");
    var save = element("button", "", t("Save"));
    save.id = "save";
    save.type = "button";
    var discard = element("button", "secondary", t("Discard"));
    discard.id = "discard";
    discard.type = "button";
    discard.addEventListener("click", function () { route(); });
    if (!locked) {
      bar.appendChild(save);
      bar.appendChild(discard);
    }
    if (!isNew) {
      spec.buttons.filter(function (button) { return !button.states.length || button.states.indexOf(record.state) >= 0; })
        .forEach(function (button) {
          var action = element("button", button.primary ? "" : "secondary", button.label);
          action.type = "button";
          action.dataset.method = button.method;
          action.addEventListener("click", function () { runButton(params, spec, record, button, action); });
          bar.appendChild(action);
        });
    }
    if (spec.fields.state && record.state) {
      bar.appendChild(element("span", "grow"));
      var badge = element("span", "state", formatValue(spec.fields.state, record.state));
      badge.id = "record-state";
      bar.appendChild(badge);
    }
    view.appendChild(bar);
    var message = element("div");
    message.id = "form-message";
    view.appendChild(message);

    var sheet = element("div", "sheet");
    var grid = element("div", "fields");
    var lines = element("div", "lines");
    var slots = {};
    names.forEach(function (name) {
      var info = spec.fields[name];
      if (name === "state") { return; }
      if (info.type === "one2many") {
        lines.appendChild(linesEditor(name, info, lineSpecs[name], lineRows[name], lineChanges));
        return;
      }
      var label = element("label", "", info.string);
      label.htmlFor = "field-" + name;
      var slot = element("div", "widget");
      slot.dataset.field = name;
      if (info.type === "text" || info.type === "html" || info.type === "many2many") {
        slot.classList.add("wide");
      }
      slot.appendChild(widget(name, info, record[name], function (value) { changes[name] = value; }));
      slots[name] = slot;
      grid.appendChild(label);
      grid.appendChild(slot);
    });
    sheet.appendChild(grid);
    sheet.appendChild(lines);
    view.appendChild(sheet);

    save.addEventListener("click", async function () {
      message.textContent = "";
      Object.keys(slots).forEach(function (name) {
        slots[name].classList.remove("invalid");
        var old = slots[name].querySelector(".field-error");
        if (old) { old.remove(); }
      });
      var values = Object.assign({}, changes);
      Object.keys(lineChanges).forEach(function (name) {
        var commands = lineChanges[name]();
        if (commands.length) { values[name] = commands; }
      });
      save.disabled = true;
      try {
        if (isNew) {
          var id = await call(model, "create", [values]);
          go({ model: model, id: String(Array.isArray(id) ? id[0] : id), saved: "1" });
        } else {
          if (Object.keys(values).length) { await call(model, "write", [[record.id], values]); }
          go({ model: model, id: String(record.id), saved: String(Date.now()) });
        }
      } catch (e) {
        save.disabled = false;
        showFieldError(e.message, spec, slots, message);
        drawn("error");
      }
    });
    if (params.saved) { message.appendChild(banner("info", t("Saved"))); }
    drawn("ready");
  }

  function lockedFields(fields) {
    var copy = {};
    Object.keys(fields).forEach(function (name) { copy[name] = Object.assign({}, fields[name], { readonly: true }); });
    return copy;
  }

  // The server's message beside the field it names (by its name or its label), else above the form.
  function showFieldError(text, spec, slots, message) {
    var names = Object.keys(slots).sort(function (a, b) { return spec.fields[b].string.length - spec.fields[a].string.length; });
    var named = names.filter(function (name) {
      return text.indexOf("'" + name + "'") >= 0 || text.indexOf(spec.fields[name].string) >= 0 || new RegExp("\\b" + name + "\\b").test(text);
    })[0];
    if (named) {
      slots[named].classList.add("invalid");
      var note = element("p", "field-error", text);
      note.setAttribute("role", "alert");
      slots[named].appendChild(note);
    }
    message.appendChild(banner("error", text));
  }

  async function runButton(params, spec, record, button, action) {
    action.disabled = true;
    var message = byId("form-message");
    message.textContent = "";
    try {
      var result = await rpc("/web/dataset/call_button", {
        model: params.model, method: button.method, args: [[record.id]], kwargs: { context: { lang: odooLang(), tz: "Asia/Shanghai" } }
      });
      // A wizard (Odoo's window action) opens as its record's form; anything else reloads.
      if (result && typeof result === "object" && result.res_model && result.res_id) {
        go({ model: result.res_model, id: String(result.res_id) });
      } else if (parseHash().id === String(record.id) && parseHash().model === params.model) {
        await route();
        byId("form-message").appendChild(banner("info", t("Done: {0}", button.label)));
      } else {
        go({ model: params.model, id: String(record.id) });
      }
    } catch (e) {
      action.disabled = false;
      message.appendChild(banner("error", e.message));
      drawn("error");
    }
  }

  // One field's editor; `changed(value)` receives the value to send (Odoo's write shapes).
  function widget(name, info, value, changed, id) {
    id = id || "field-" + name;
    if (info.readonly) {
      var shown = element("div", "readonly", formatValue(info, value));
      shown.id = id;
      return shown;
    }
    var input;
    switch (info.type) {
    case "boolean":
      input = element("input");
      input.type = "checkbox";
      input.checked = !!value;
      input.addEventListener("change", function () { changed(input.checked); });
      break;
    case "selection":
      input = element("select");
      var blank = element("option", "", "");
      blank.value = "";
      input.appendChild(blank);
      (info.selection || []).forEach(function (pair) {
        var option = element("option", "", pair[1]);
        option.value = pair[0];
        option.selected = pair[0] === value;
        input.appendChild(option);
      });
      input.addEventListener("change", function () { changed(input.value || false); });
      break;
    case "text": case "html":
      input = element("textarea");
      input.value = value || "";
      input.addEventListener("input", function () { changed(input.value); });
      break;
    case "integer": case "float": case "monetary":
      input = element("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.value = value === false || value === null || value === undefined ? "" : String(value);
      // Sent as typed when it is not a number: the server's error names the field.
      input.addEventListener("input", function () {
        var text = input.value.trim();
        changed(text === "" ? (info.type === "integer" ? 0 : 0.0) : (isFinite(Number(text)) ? Number(text) : text));
      });
      break;
    case "date":
      input = element("input");
      input.type = "date";
      input.value = value || "";
      input.addEventListener("change", function () { changed(input.value || false); });
      break;
    case "datetime":
      input = element("input");
      input.type = "datetime-local";
      input.value = localInput(value);
      input.addEventListener("change", function () { changed(serverDatetime(input.value)); });
      break;
    case "many2one":
      return many2one(info, value, changed, id);
    case "many2many":
      return many2many(info, value, changed, id);
    default:
      input = element("input");
      input.type = "text";
      input.value = value === false || value === null || value === undefined ? "" : String(value);
      input.addEventListener("input", function () { changed(input.value); });
    }
    input.id = id;
    if (info.required) { input.setAttribute("aria-required", "true"); }
    return input;
  }

  // A text input offering the related records' names (name_search) as the user types, with the
  // suggestions in a datalist beside it.
  var listCount = 0;
  function many2one(info, value, changed, id) {
    var box = element("div", "many2one");
    var input = element("input");
    input.type = "text";
    input.id = id;
    input.autocomplete = "off";
    input.value = Array.isArray(value) ? value[1] : "";
    listCount += 1;
    var options = element("datalist");
    options.id = "choices-" + listCount;
    input.setAttribute("list", options.id);
    var known = {};
    var timer = null;
    async function suggest() {
      var found = await call(info.relation, "name_search", [input.value.trim()], { limit: 8 });
      options.textContent = "";
      found.forEach(function (pair) {
        known[pair[1]] = pair[0];
        var option = element("option");
        option.value = pair[1];
        options.appendChild(option);
      });
      pick();
    }
    function pick() {
      var text = input.value.trim();
      if (!text) { changed(false); } else if (Object.prototype.hasOwnProperty.call(known, text)) { changed(known[text]); }
    }
    input.addEventListener("input", function () {
      pick();
      clearTimeout(timer);
      timer = setTimeout(function () { suggest().catch(function () { /* no suggestions */ }); }, 150);
    });
    input.addEventListener("change", pick);
    box.appendChild(input);
    box.appendChild(options);
    return box;
  }

  // Tags of the linked records, removable, and a name_search input to add one: sent as (6, 0, ids).
  function many2many(info, value, changed, id) {
    var box = element("div", "tags");
    var ids = Array.isArray(value) ? value.slice() : [];
    var names = {};
    var adder = many2one(info, false, function (chosen) {
      if (typeof chosen === "number" && ids.indexOf(chosen) < 0) {
        ids.push(chosen);
        names[chosen] = adder.querySelector("input").value;
        adder.querySelector("input").value = "";
        changed([[6, 0, ids]]);
        draw();
      }
    }, id);
    function draw() {
      box.querySelectorAll(".tag").forEach(function (tag) { tag.remove(); });
      ids.forEach(function (linked) {
        var tag = element("span", "tag", names[linked] || ("#" + linked));
        var remove = element("button", "", "\u00D7");
        remove.type = "button";
        remove.setAttribute("aria-label", t("Remove"));
        remove.addEventListener("click", function () {
          ids = ids.filter(function (other) { return other !== linked; });
          changed([[6, 0, ids]]);
          draw();
        });
        tag.appendChild(remove);
        box.insertBefore(tag, adder);
      });
    }
    box.appendChild(adder);
    if (ids.length) {
      call(info.relation, "read", [ids, ["display_name"]]).then(function (rows) {
        rows.forEach(function (row) { names[row.id] = row.display_name; });
        draw();
      }).catch(function () { draw(); });
    }
    return box;
  }

  // One2many lines as an editable table: changed cells, added and removed lines become Odoo's
  // commands (1, id, values), (0, 0, values), (2, id) when the form is saved.
  function linesEditor(name, info, lineSpec, data, lineChanges) {
    var section = element("section");
    section.dataset.field = name;
    section.appendChild(element("h3", "", info.string));
    var table = element("table", "records");
    table.id = "lines-" + name;
    var head = element("thead"), row = element("tr");
    data.columns.forEach(function (column) { row.appendChild(element("th", isNumber(lineSpec.fields[column]) ? "number" : "", lineSpec.fields[column].string)); });
    row.appendChild(element("th"));
    head.appendChild(row);
    table.appendChild(head);
    var body = element("tbody");
    table.appendChild(body);
    var edited = {}, added = [], removed = [], count = 0;
    function addRow(record, values) {
      var line = element("tr", "line");
      count += 1;
      data.columns.forEach(function (column) {
        var cell = element("td");
        cell.dataset.field = column;
        var fieldInfo = Object.assign({}, lineSpec.fields[column]);
        cell.appendChild(widget(column, fieldInfo, record ? record[column] : false, function (value) {
          if (record) { (edited[record.id] = edited[record.id] || {})[column] = value; } else { values[column] = value; }
        }, "line-" + name + "-" + count + "-" + column));
        line.appendChild(cell);
      });
      var actions = element("td");
      if (info.readonly) {
        line.appendChild(actions);
        body.appendChild(line);
        return;
      }
      var remove = element("button", "secondary", "\u00D7");
      remove.type = "button";
      remove.setAttribute("aria-label", t("Remove line"));
      remove.addEventListener("click", function () {
        if (record) { removed.push(record.id); } else { added.splice(added.indexOf(values), 1); }
        line.remove();
      });
      actions.appendChild(remove);
      line.appendChild(actions);
      body.appendChild(line);
    }
    data.rows.forEach(function (record) { addRow(record, null); });
    section.appendChild(table);
    if (!info.readonly) {
      var add = element("button", "secondary", t("Add a line"));
      add.type = "button";
      add.id = "add-" + name;
      add.addEventListener("click", function () {
        var values = {};
        added.push(values);
        addRow(null, values);
      });
      section.appendChild(add);
    }
    lineChanges[name] = function () {
      var commands = [];
      Object.keys(edited).forEach(function (id) { commands.push([1, Number(id), edited[id]]); });
      added.forEach(function (values) { commands.push([0, 0, values]); });
      removed.forEach(function (id) { commands.push([2, id, 0]); });
      return commands;
    };
    return section;
  }

  // ---------------------------------------------------------------- start

  Chainstore.start(async function () {
    byId("login-form").addEventListener("submit", signIn);
    byId("totp-form").addEventListener("submit", verifyCode);
    byId("enrol-form").addEventListener("submit", finishEnrolment);
    byId("password-form").addEventListener("submit", savePassword);
    byId("recovery-done").addEventListener("click", async function () {
      try {
        await next(afterRecovery);
      } catch (e) {
        showLogin(e.message);
      }
    });
    byId("signout").addEventListener("click", signOut);
    Chainstore.onLanguage(function (language) {
      if (switching) { return; }
      localStorage.setItem("chainstore.backoffice.lang", language);
      if (!session) { return; }
      loadMenus().then(route).catch(function () { /* the next route shows the error */ });
    });
    window.addEventListener("hashchange", route);
    try {
      var info = await rpc("/web/session/get_session_info", {});
      await enter(info, false);
    } catch (e) {
      showLogin("");
    }
  });
})();
