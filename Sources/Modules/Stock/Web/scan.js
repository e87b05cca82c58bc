// The /scan app (see scan.html): sign in, choose an operation, scan.
Chainstore.start(function () {
  "use strict";

  // What each operation is called, what to scan first, and its closing action.
  var N_ = Chainstore.N_;
  var OPERATIONS = {
    receive: { title: N_("Receive"), first: N_("Scan the receipt"), action: "validate" },
    putaway: { title: N_("Put away"), first: N_("Scan a product"), action: null },
    pick: { title: N_("Pick"), first: N_("Scan the delivery"), action: "validate" },
    count: { title: N_("Count"), first: N_("Scan a location"), action: "done" }
  };
  var byId = Chainstore.byId, t = Chainstore.t, call = Chainstore.call, messageOf = Chainstore.messageOf;
  var errorCodeOf = Chainstore.errorCodeOf;
  var views = { signin: byId("signin-view"), operations: byId("operations"), scanner: byId("scanner") };
  var loginInput = byId("login");
  var passwordInput = byId("password");
  var signinError = byId("signin-error");
  var signoutButton = byId("signout");
  var scanInput = byId("scan");
  var statusBox = byId("status");
  var messageText = byId("message");
  var nextText = byId("next");
  var linesTable = byId("lines");
  var linesBody = linesTable.tBodies[0];
  var validateButton = byId("validate");
  var doneButton = byId("done");
  var backButton = byId("back");

  // The session lives in this closure only: never in storage, cookies or the URL.
  var session = null;     // { login, authorization, db }
  var operation = null;   // a key of OPERATIONS while the scan screen is shown
  var state = {};         // the server's state from its last successful answer
  var busy = false;       // a request is in flight
  var generation = 0;     // grows when the operator leaves a screen: late answers are dropped
  var seq = 0;            // answers shown so far, mirrored in #status[data-seq]

  function show(name) {
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    signoutButton.hidden = name === "signin";
  }

  function focusScan() {
    if (views.scanner.hidden || document.activeElement === scanInput) { return; }
    try { scanInput.focus({ preventScroll: true }); } catch (e) { scanInput.focus(); }
  }

  // Sound and vibration are a bonus: nothing may fail when a device has neither.
  var audio = null;
  function unlockAudio() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      if (!audio) { audio = new Context(); }
      if (audio.state === "suspended" && audio.resume) { audio.resume().catch(function () {}); }
    } catch (e) { audio = null; }
  }
  function beep(frequency, milliseconds) {
    try {
      unlockAudio();
      if (!audio) { return; }
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.15;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      var start = audio.currentTime;
      oscillator.start(start);
      oscillator.stop(start + milliseconds / 1000);
    } catch (e) { /* no sound on this device */ }
  }
  function vibrate(milliseconds) {
    try { if (navigator.vibrate) { navigator.vibrate(milliseconds); } } catch (e) { /* none */ }
  }

  function label(value) {
    if (value === null || value === undefined || value === false) { return ""; }
    if (Array.isArray(value)) { return value.length > 1 ? String(value[1]) : String(value[0]); }
    if (typeof value === "object") { return String(value.display_name || value.name || ""); }
    return String(value);
  }

  function amount(value) {
    if (value === null || value === undefined || value === "") { return ""; }
    var number = Number(value);
    return isFinite(number) ? String(Math.round(number * 1000) / 1000) : String(value);
  }

  function renderLines(lines) {
    while (linesBody.firstChild) { linesBody.removeChild(linesBody.firstChild); }
    lines.forEach(function (line) {
      if (!line || typeof line !== "object") { return; }
      var row = document.createElement("tr");
      [[label(line.product), ""], [label(line.lot), ""], [label(line.location), ""],
       [amount(line.expected), "number"], [amount(line.done), "number"]].forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell[0];
        if (cell[1]) { td.className = cell[1]; }
        row.appendChild(td);
      });
      var expected = Number(line.expected);
      var done = Number(line.done);
      var known = line.expected !== null && line.expected !== undefined && line.done !== null && line.done !== undefined;
      if (known && isFinite(expected) && isFinite(done) && done >= expected) { row.className = "complete"; }
      linesBody.appendChild(row);
    });
    linesTable.hidden = linesBody.rows.length === 0;
  }

  function setStatus(kind, message, next) {
    statusBox.className = kind;
    messageText.textContent = message;
    if (next !== null) { nextText.textContent = next; }
  }

  // Shows one answer; data-seq is written last, when everything else is on screen.
  function report(kind, message, next, answerKind, errorCode) {
    setStatus(kind, message, next);
    if (kind === "error") {
      void statusBox.offsetWidth;  // restarts the flash animation
      statusBox.classList.add("flash");
      beep(220, 350);
      vibrate(300);
    } else {
      beep(1400, 60);
    }
    statusBox.setAttribute("data-kind", answerKind);
    statusBox.setAttribute("data-error", errorCode);
    seq += 1;
    statusBox.setAttribute("data-seq", String(seq));
  }

  function setBusy(on) {
    busy = on;
    scanInput.readOnly = on;
    validateButton.disabled = on;
    doneButton.disabled = on;
    statusBox.setAttribute("aria-busy", on ? "true" : "false");
  }

  function leave() {
    generation += 1;
    setBusy(false);
    operation = null;
    state = {};
    renderLines([]);
  }

  function signOut(message) {
    leave();
    session = null;
    passwordInput.value = "";
    signinError.textContent = message || "";
    show("signin");
    (loginInput.value ? passwordInput : loginInput).focus();
  }

  function choose(name) {
    var spec = OPERATIONS[name];
    if (!spec || !session) { return; }
    leave();
    unlockAudio();
    operation = name;
    byId("operation").textContent = t(spec.title);
    validateButton.hidden = spec.action !== "validate";
    doneButton.hidden = spec.action !== "done";
    setStatus("idle", t("Ready"), t(spec.first));
    statusBox.setAttribute("data-kind", "");
    statusBox.setAttribute("data-error", "");
    scanInput.value = "";
    show("scanner");
    focusScan();
  }

  // Sends a scan or an action with the last state, and shows the answer.
  async function send(fields) {
    if (busy || !session || !operation) { return; }
    var body = {};
    Object.keys(state).forEach(function (key) { body[key] = state[key]; });
    delete body.code;
    delete body.action;
    body.operation = operation;
    Object.keys(fields).forEach(function (key) { body[key] = fields[key]; });
    var ticket = generation;
    setBusy(true);
    var answer = null;
    try { answer = await call("POST", "/api/v1/scan", session, body); } catch (e) { answer = null; }
    if (ticket !== generation) { return; }  // the operator left this screen meanwhile
    setBusy(false);
    var data = answer && answer.data;
    if (!answer) {
      report("error", t("Network error"), null, "", "network");
    } else if (answer.status === 401) {
      var refused = t("Signed out: the login or password was refused. Sign in again.");
      report("error", refused, "", "", errorCodeOf(data, 401));
      signOut(refused);
      return;
    } else if (answer.status === 200 && data && typeof data === "object" && data.ok !== false) {
      if (data.state && typeof data.state === "object") {
        state = data.state;
      } else if (data.kind === "done") {
        state = {};
      }
      if (Array.isArray(data.lines)) {
        renderLines(data.lines);
      } else if (data.kind === "done") {
        renderLines([]);
      }
      report("ok", messageOf(data) || t("OK"), typeof data.next === "string" ? data.next : "",
             typeof data.kind === "string" ? data.kind : "", "");
    } else {
      // The previous state is kept: the operator scans the right thing and carries on.
      report("error", messageOf(data) || t("Error (HTTP {0})", answer.status),
             data && typeof data.next === "string" ? data.next : null, "", errorCodeOf(data, answer.status));
    }
    focusScan();
  }

  Chainstore.signInWith(function (candidate) {
    session = candidate;
    show("operations");
  }, unlockAudio);
  // A language chosen on the scan screen renames the operation at once; answers follow.
  Chainstore.onLanguage(function () {
    if (operation) { byId("operation").textContent = t(OPERATIONS[operation].title); }
  });

  Object.keys(OPERATIONS).forEach(function (name) {
    byId("op-" + name).addEventListener("click", function () { choose(name); });
  });

  scanInput.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.keyCode !== 13) { return; }
    event.preventDefault();
    if (busy || event.isComposing) { return; }
    var code = scanInput.value.trim();
    scanInput.value = "";
    if (code) { send({ code: code }); }
  });
  // The scan input keeps the focus, so a scanner's keystrokes always land in it.
  scanInput.addEventListener("blur", function () { setTimeout(focusScan, 0); });
  window.addEventListener("focus", focusScan);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { focusScan(); } });
  statusBox.addEventListener("animationend", function () { statusBox.classList.remove("flash"); });

  validateButton.addEventListener("click", function () { send({ action: "validate" }); });
  doneButton.addEventListener("click", function () { send({ action: "done" }); });
  backButton.addEventListener("click", function () {
    leave();
    show(session ? "operations" : "signin");
  });
  signoutButton.addEventListener("click", function () { signOut(""); });

  show("signin");
  loginInput.focus();
});
