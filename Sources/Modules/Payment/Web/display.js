// The /display app (see display.html): the customer's screen at the till.
Chainstore.start(function () {
  "use strict";

  // Updates come from the bus (long polling: the display's credentials live in this page only,
  // so it cannot open an authenticated WebSocket); the payment is asked for directly only while
  // the bus cannot be reached.
  var RETRY_MS = 1000;
  var LONG_POLL_S = 15;     // under app.js's 20 s request timeout
  // The most the server takes: 100,000,000.00 yuan, in fen, as digits.
  var MAX_FEN = "10000000000";
  var WAITING = { pending: true, user_paying: true };
  var NOT_PAID = { failed: true, reversed: true };
  var byId = Chainstore.byId, t = Chainstore.t, call = Chainstore.call, messageOf = Chainstore.messageOf;
  var errorCodeOf = Chainstore.errorCodeOf, base64 = Chainstore.base64;
  var ENTER_AMOUNT = Chainstore.N_("Enter the amount to pay");
  var LOST = Chainstore.N_("Connection lost, retrying\u2026");
  var views = { signin: byId("signin-view"), amount: byId("amount-view"), payment: byId("payment-view") };
  var loginInput = byId("login");
  var passwordInput = byId("password");
  var signinError = byId("signin-error");
  var signoutButton = byId("signout");
  var amountForm = byId("amount-form");
  var amountInput = byId("amount");
  var descriptionInput = byId("description");
  var showButton = byId("show");
  var shownAmount = byId("shown-amount");
  var shownSubject = byId("shown-subject");
  var qrImage = byId("qr");
  var statusBox = byId("status");
  var messageText = byId("message");
  var noteText = byId("note");
  var paymentActions = byId("payment-actions");
  var cancelButton = byId("cancel");
  var newPaymentButton = byId("new-payment");

  // The session lives in this closure only: never in storage, cookies or the URL.
  var session = null;       // { login, authorization, db }
  var payment = null;       // the attempt on screen: { reference, yuan, state, final, qrShown }
  var pendingOrder = null;  // { key, fen, subject } sent but not answered: a retry reuses the key
  var starting = false;     // POST /api/v1/payments/qr in flight
  var cancelling = false;   // POST .../cancel in flight
  var generation = 0;       // grows when the screen changes hands: late answers are dropped
  var pollTimer = null;
  var seq = 0;              // answers shown so far, mirrored in #status[data-seq]

  function show(name) {
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    signoutButton.hidden = name === "signin";
    statusBox.hidden = name === "signin";
    paymentActions.hidden = name !== "payment";
  }

  function paymentPath(reference, rest) {
    return "/api/v1/payments/" + encodeURIComponent(reference) + (rest || "");
  }

  // "12.34" → { fen: 1234, yuan: "12.34" }, or { error }. Digits only: no floating point.
  function parseAmount(text) {
    var match = /^[\u00a5\uffe5]?\s*(\d+)(?:\.(\d{1,2}))?$/.exec(text);
    if (!match) { return { error: t("Enter the amount in yuan with at most two decimals, like 12.34") }; }
    var whole = match[1].replace(/^0+(?=\d)/, "");
    var cents = ((match[2] || "") + "00").slice(0, 2);
    var fen = (whole + cents).replace(/^0+/, "");
    if (!fen) { return { error: t("The amount must be more than 0") }; }
    if (fen.length > MAX_FEN.length || (fen.length === MAX_FEN.length && fen > MAX_FEN)) {
      return { error: t("The amount must be at most 100000000.00") };
    }
    return { fen: parseInt(fen, 10), yuan: whole + "." + cents };
  }

  // 1234 → "12.34", 123456789 → "1,234,567.89"; "" when the server's amount is not whole fen.
  function yuanOf(fen) {
    var digits = typeof fen === "number" ? String(fen) : "";
    if (!/^\d+$/.test(digits)) { return ""; }
    while (digits.length < 3) { digits = "0" + digits; }
    var whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return whole + "." + digits.slice(-2);
  }

  function randomHex(bytes) {
    var values = new Uint8Array(bytes);
    crypto.getRandomValues(values);
    return Array.prototype.map.call(values, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // Screen readers hear a live region again when its text is rewritten: only changes are written.
  function setText(element, text) {
    if (element.textContent !== text) { element.textContent = text; }
  }

  // Shows one answer; data-seq is written last, when everything else is on screen.
  function report(kind, message, note, errorCode) {
    if (statusBox.className !== kind) { statusBox.className = kind; }
    setText(messageText, message);
    setText(noteText, note);
    noteText.hidden = !note;
    statusBox.setAttribute("data-state", payment ? payment.state : "");
    statusBox.setAttribute("data-reference", payment ? payment.reference : "");
    statusBox.setAttribute("data-error", errorCode);
    seq += 1;
    statusBox.setAttribute("data-seq", String(seq));
  }

  function stopPolling() {
    if (pollTimer !== null) { clearTimeout(pollTimer); }
    pollTimer = null;
  }

  function clearQR() {
    qrImage.hidden = true;
    qrImage.removeAttribute("src");
  }

  // Leaves the payment on screen (if any): its answers still on the way are dropped.
  function leave() {
    generation += 1;
    stopPolling();
    payment = null;
    starting = false;
    cancelling = false;
    showButton.disabled = false;
    cancelButton.disabled = false;
    clearQR();
  }

  function signOut(message) {
    leave();
    session = null;
    pendingOrder = null;
    passwordInput.value = "";
    signinError.textContent = message || "";
    statusBox.setAttribute("data-state", "");
    statusBox.setAttribute("data-reference", "");
    show("signin");
    (loginInput.value ? passwordInput : loginInput).focus();
  }

  function newPayment() {
    leave();
    amountInput.value = "";
    amountInput.removeAttribute("aria-invalid");
    descriptionInput.value = "";
    show("amount");
    report("idle", t(ENTER_AMOUNT), "", "");
    amountInput.focus();
  }

  // Fetches the QR code as SVG (it needs the credentials, so no plain <img src>) and shows it.
  // Answers "" when shown, else what went wrong.
  async function loadQR(ticket) {
    var answer = null;
    try { answer = await call("GET", paymentPath(payment.reference, "/qr.svg"), session, undefined, "image/svg+xml"); } catch (e) { answer = null; }
    if (ticket !== generation) { return ""; }
    if (!answer) { return t(LOST); }
    if (answer.status !== 200 || answer.text.indexOf("<svg") < 0) {
      return t("The QR code could not be loaded ({0}), retrying", messageOf(answer.data) || "HTTP " + answer.status);
    }
    qrImage.src = "data:image/svg+xml;base64," + base64(answer.text);
    try { await qrImage.decode(); } catch (e) { /* shown when it loads */ }
    if (ticket !== generation) { return ""; }
    payment.qrShown = true;
    return "";
  }

  // Shows where the attempt stands; `note` is a problem on the way (empty when none).
  async function present(attempt, ticket, note) {
    var state = typeof attempt.state === "string" ? attempt.state : "";
    payment.state = state;
    payment.yuan = yuanOf(attempt.amount) || payment.yuan;
    setText(shownAmount, "\u00a5" + payment.yuan);
    var waiting = WAITING[state] === true;
    if (waiting && !payment.qrShown && attempt.qr_code_url) {
      var problem = await loadQR(ticket);
      if (ticket !== generation || payment.final) { return; }
      note = note || problem;
    }
    qrImage.hidden = !(waiting && payment.qrShown);
    if (state === "paid") {
      finish();
      shownAmount.hidden = true;
      report("paid", t("Paid \u2713 {0}", "\u00a5" + payment.yuan), "", "");
    } else if (NOT_PAID[state] === true) {
      finish();
      report("error", t("Not paid \u2014 the code was closed"), "", "");
    } else if (state === "refunded") {
      finish();
      report("idle", t("Refunded"), "", "");
    } else if (waiting) {
      report("waiting", t("Scan with WeChat to pay"), note, noteCode(note));
    } else {
      report("idle", t("Checking\u2026"), note, noteCode(note));
    }
  }

  function noteCode(note) { return note === t(LOST) ? "network" : note ? "qr_unavailable" : ""; }

  function finish() {
    payment.final = true;
    stopPolling();
    clearQR();
    cancelButton.hidden = true;
    newPaymentButton.hidden = false;
    newPaymentButton.focus();
  }

  // An answer about the attempt on screen, from a poll or from the cancel.
  async function answered(answer, ticket) {
    if (ticket !== generation || !payment || payment.final) { return; }
    var data = answer && answer.data;
    if (!answer) {
      report(statusBox.className, messageText.textContent, t(LOST), "network");
    } else if (answer.status === 401) {
      signOut(t("Signed out: the login or password was refused. Sign in again."));
    } else if (answer.status === 200 && data && typeof data === "object" && data.reference === payment.reference) {
      await present(data, ticket, "");
    } else {
      // The attempt goes on at the server whatever this answer was: keep showing it.
      report(statusBox.className, messageText.textContent,
             messageOf(data) || t("Error (HTTP {0})", answer.status), errorCodeOf(data, answer.status));
    }
  }

  // Asks the bus again after a moment (only when it could not be reached).
  function schedulePoll(ticket) {
    stopPolling();
    pollTimer = setTimeout(function () { pollTimer = null; follow(ticket); }, RETRY_MS);
  }

  // Asks for the payment itself: when the bus cannot be reached.
  async function poll(ticket) {
    if (ticket !== generation || !payment || payment.final) { return; }
    var answer = null;
    payment.gets += 1;
    statusBox.setAttribute("data-gets", String(payment.gets));
    try { answer = await call("GET", paymentPath(payment.reference), session); } catch (e) { answer = null; }
    await answered(answer, ticket);
  }

  // Follows the attempt on the bus: each state change arrives as its notification (the whole
  // attempt, as GET answers it); a request is held until there is one.
  async function follow(ticket) {
    var last = 0;
    var channel = JSON.stringify(["payment.transaction", payment.id]);
    while (ticket === generation && payment && !payment.final) {
      var answer = null;
      try {
        answer = await call("POST", "/longpolling/poll", session,
                            { jsonrpc: "2.0", id: 1, params: { channels: [channel], last: last, timeout: LONG_POLL_S } });
      } catch (e) { answer = null; }
      if (ticket !== generation || !payment || payment.final) { return; }
      var notes = answer && answer.status === 200 && answer.data && Array.isArray(answer.data.result) ? answer.data.result : null;
      if (notes === null) {
        if (answer && answer.status === 401) { await answered(answer, ticket); return; }
        await poll(ticket);
        if (ticket === generation && payment && !payment.final) { schedulePoll(ticket); }
        return;
      }
      var latest = null;
      notes.forEach(function (note) {
        last = Math.max(last, note.id);
        var message = note.message || {};
        if (message.type === "payment.transaction/state" && message.payload && message.payload.reference === payment.reference) {
          latest = message.payload;
        }
      });
      if (latest) {
        statusBox.setAttribute("data-via", "bus");
        await answered({ status: 200, data: latest }, ticket);
      }
    }
  }

  async function start() {
    if (starting || !session) { return; }
    var parsed = parseAmount(amountInput.value.trim());
    if (parsed.error) {
      amountInput.setAttribute("aria-invalid", "true");
      report("error", parsed.error, "", "invalid_amount");
      amountInput.focus();
      return;
    }
    amountInput.removeAttribute("aria-invalid");
    var subject = descriptionInput.value.trim();
    if (!pendingOrder || pendingOrder.fen !== parsed.fen || pendingOrder.subject !== subject) {
      pendingOrder = { key: "display-" + randomHex(8), fen: parsed.fen, subject: subject };
    }
    var order = pendingOrder;
    var ticket = generation;
    starting = true;
    showButton.disabled = true;
    statusBox.setAttribute("aria-busy", "true");
    var answer = null;
    try {
      answer = await call("POST", "/api/v1/payments/qr", session,
                          { order_key: order.key, attempt: 1, amount: order.fen, subject: order.subject || "Chainstore" });
    } catch (e) { answer = null; }
    statusBox.setAttribute("aria-busy", "false");
    if (ticket !== generation) { return; }
    starting = false;
    showButton.disabled = false;
    var data = answer && answer.data;
    if (!answer) {
      report("error", t("Network error: no QR code yet. Press Show QR code again."), "", "network");
      return;
    }
    if (answer.status === 401) {
      signOut(t("Signed out: the login or password was refused. Sign in again."));
      return;
    }
    if (answer.status !== 200 || !data || typeof data !== "object" || typeof data.reference !== "string" || !data.reference) {
      report("error", messageOf(data) || t("Error (HTTP {0})", answer.status), "", errorCodeOf(data, answer.status));
      return;
    }
    pendingOrder = null;
    payment = { reference: data.reference, id: data.id, yuan: parsed.yuan, state: "", final: false, qrShown: false, gets: 0 };
    statusBox.setAttribute("data-gets", "0");
    statusBox.removeAttribute("data-via");
    setText(shownAmount, "\u00a5" + (yuanOf(data.amount) || parsed.yuan));
    shownAmount.hidden = false;
    setText(shownSubject, subject);
    shownSubject.hidden = !subject;
    cancelButton.hidden = false;
    cancelButton.disabled = false;
    newPaymentButton.hidden = true;
    show("payment");
    shownAmount.focus();
    await present(data, ticket, "");
    if (ticket === generation && payment && !payment.final) { follow(ticket); }
  }

  async function cancel() {
    if (cancelling || !session || !payment || payment.final) { return; }
    var ticket = generation;
    cancelling = true;
    cancelButton.disabled = true;
    var answer = null;
    try { answer = await call("POST", paymentPath(payment.reference, "/cancel"), session); } catch (e) { answer = null; }
    if (ticket !== generation) { return; }
    cancelling = false;
    cancelButton.disabled = false;
    await answered(answer, ticket);
  }

  Chainstore.signInWith(function (candidate) {
    session = candidate;
    newPayment();
  });

  amountForm.addEventListener("submit", function (event) {
    event.preventDefault();
    start();
  });
  cancelButton.addEventListener("click", function () { cancel(); });
  newPaymentButton.addEventListener("click", function () { if (payment && payment.final) { newPayment(); } });
  signoutButton.addEventListener("click", function () { signOut(""); });

  show("signin");
  loginInput.focus();
});
