/// The `/display` app for a till's second screen, the one facing the customer: one
/// self-contained page (no external assets) served from the same origin as the API. The cashier
/// signs in as on `/scan`: the login and password (or API key) stay in the page's memory only
/// and go as HTTP Basic credentials with every call (`?db=NAME` is added when a database is
/// given), checked once with `GET /api/v1/catalogue?limit=1`.
///
/// The cashier enters the amount in yuan (checked here and turned into fen with string
/// arithmetic, never floating point) and an optional description; `POST /api/v1/payments/qr`
/// opens a WeChat Pay QR order under a fresh `display-…` order key (kept for a retry of the same
/// amount when the answer was lost, so a retry never opens a second order). The customer sees the
/// amount, the QR code (`GET /api/v1/payments/{reference}/qr.svg`, fetched with the credentials
/// and shown as a `data:` URL) and what to do; the page asks `GET /api/v1/payments/{reference}`
/// once a second until the attempt is final and shows paid, not paid or checking. The cashier may
/// cancel (`POST /api/v1/payments/{reference}/cancel`); the server decides what that became.
///
/// After every answer `#status` gets `data-state` (the attempt's state, empty before one exists),
/// `data-reference`, `data-error` (the error code, `network` when the server could not be reached,
/// `invalid_amount` when the page refused the amount, empty otherwise) and `data-seq` (a number
/// that only grows while the page is open), set last, once the screen shows the answer: a browser
/// test waits for `data-seq` or `data-state` instead of sleeping.
enum DisplayAppPage {
    static let html = #"""
    \#(AppPageParts.head(title: "Chainstore Display"))
    main { max-width: 760px; margin: 0 auto; padding: 12px; }
    input[aria-invalid="true"] { border-color: #b00000; }
    #amount { min-height: 96px; font-size: 48px; font-weight: 700; text-align: right; }
    .hint { margin: 4px 0 0; font-size: 18px; }
    button.danger { background: #fff; color: #b00000; border-color: #b00000; }
    #show { min-height: 80px; font-size: 28px; }
    #payment-view { text-align: center; }
    #shown-amount { margin: 8px 0 0; font-size: clamp(40px, 9vh, 104px); font-weight: 800;
                    line-height: 1.1; font-variant-numeric: tabular-nums; }
    #shown-amount:focus { outline: none; }
    #shown-subject { margin: 0; font-size: 24px; overflow-wrap: anywhere; }
    /* Sized by the screen's height too, so amount, code, prompt and buttons fit a landscape display. */
    #qr { display: block; width: min(40vh, 80vw, 420px); height: auto; margin: 8px auto 0; background: #fff; }
    #status { margin: 12px 0 0; padding: 12px 16px; border: 3px solid #000; border-radius: 6px;
              text-align: center; }
    #status.waiting { background: #fff; color: #000; font-size: 32px; font-weight: 700; }
    #status.paid { background: #0a6b1f; color: #fff; font-size: clamp(40px, 9vh, 80px); font-weight: 800; }
    #note { margin: 8px 0 0; padding: 4px 8px; font-size: 20px; font-weight: 700;
            background: #fff3c4; color: #000; border-radius: 4px; }
    </style>
    </head>
    <body>
    \#(AppPageParts.header(title: "Chainstore Display"))
    <main>
    \#(AppPageParts.signIn)
      <section id="amount-view" hidden>
        <p id="who"></p>
        <form id="amount-form" novalidate>
          <label for="amount">Amount (yuan)</label>
          <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off"
                 spellcheck="false" enterkeyhint="go" placeholder="0.00" aria-describedby="amount-hint">
          <p id="amount-hint" class="hint">For example 12.34: at most two decimals, at most 100000000.00.</p>
          <label for="description">Description (optional)</label>
          <input id="description" name="description" type="text" autocomplete="off" maxlength="100"
                 enterkeyhint="go">
          <button id="show" type="submit">Show QR code</button>
        </form>
      </section>

      <section id="payment-view" hidden aria-label="Payment">
        <p id="shown-amount" tabindex="-1"></p>
        <p id="shown-subject"></p>
        <img id="qr" alt="QR code to pay" hidden>
      </section>

      <div id="status" class="idle" data-seq="0" data-state="" data-reference="" data-error=""
           role="status" aria-live="assertive" hidden>
        <p id="message"></p>
        <p id="note" hidden></p>
      </div>

      <div id="payment-actions" class="actions" hidden>
        <button id="cancel" type="button" class="danger">Cancel</button>
        <button id="new-payment" type="button" hidden>New payment</button>
      </div>
    </main>

    <script>
    (function () {
      "use strict";

      var TIMEOUT_MS = 20000;
      var POLL_MS = 1000;
      // The most the server takes: 100,000,000.00 yuan, in fen, as digits.
      var MAX_FEN = "10000000000";
      var WAITING = { pending: true, user_paying: true };
      var NOT_PAID = { failed: true, reversed: true };
      var ENTER_AMOUNT = "Enter the amount to pay";
      var LOST = "Connection lost, retrying\u2026";

      function byId(id) { return document.getElementById(id); }
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

    \#(AppPageParts.apiScript)
      // "12.34" → { fen: 1234, yuan: "12.34" }, or { error }. Digits only: no floating point.
      function parseAmount(text) {
        var match = /^[\u00a5\uffe5]?\s*(\d+)(?:\.(\d{1,2}))?$/.exec(text);
        if (!match) { return { error: "Enter the amount in yuan with at most two decimals, like 12.34" }; }
        var whole = match[1].replace(/^0+(?=\d)/, "");
        var cents = ((match[2] || "") + "00").slice(0, 2);
        var fen = (whole + cents).replace(/^0+/, "");
        if (!fen) { return { error: "The amount must be more than 0" }; }
        if (fen.length > MAX_FEN.length || (fen.length === MAX_FEN.length && fen > MAX_FEN)) {
          return { error: "The amount must be at most 100000000.00" };
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
        report("idle", ENTER_AMOUNT, "", "");
        amountInput.focus();
      }

      // Fetches the QR code as SVG (it needs the credentials, so no plain <img src>) and shows it.
      // Answers "" when shown, else what went wrong.
      async function loadQR(ticket) {
        var answer = null;
        try { answer = await call("GET", paymentPath(payment.reference, "/qr.svg"), session, undefined, "image/svg+xml"); } catch (e) { answer = null; }
        if (ticket !== generation) { return ""; }
        if (!answer) { return LOST; }
        if (answer.status !== 200 || answer.text.indexOf("<svg") < 0) {
          return "The QR code could not be loaded (" + (messageOf(answer.data) || "HTTP " + answer.status) + "), retrying";
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
          report("paid", "Paid \u2713 \u00a5" + payment.yuan, "", "");
        } else if (NOT_PAID[state] === true) {
          finish();
          report("error", "Not paid \u2014 the code was closed", "", "");
        } else if (state === "refunded") {
          finish();
          report("idle", "Refunded", "", "");
        } else if (waiting) {
          report("waiting", "Scan with WeChat to pay", note, noteCode(note));
        } else {
          report("idle", "Checking\u2026", note, noteCode(note));
        }
      }

      function noteCode(note) { return note === LOST ? "network" : note ? "qr_unavailable" : ""; }

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
          report(statusBox.className, messageText.textContent, LOST, "network");
        } else if (answer.status === 401) {
          signOut("Signed out: the login or password was refused. Sign in again.");
        } else if (answer.status === 200 && data && typeof data === "object" && data.reference === payment.reference) {
          await present(data, ticket, "");
        } else {
          // The attempt goes on at the server whatever this answer was: keep showing it.
          report(statusBox.className, messageText.textContent,
                 messageOf(data) || "Error (HTTP " + answer.status + ")", errorCodeOf(data, answer.status));
        }
      }

      function schedulePoll(ticket) {
        stopPolling();
        pollTimer = setTimeout(function () { pollTimer = null; poll(ticket); }, POLL_MS);
      }

      async function poll(ticket) {
        if (ticket !== generation || !payment || payment.final) { return; }
        var answer = null;
        try { answer = await call("GET", paymentPath(payment.reference), session); } catch (e) { answer = null; }
        await answered(answer, ticket);
        if (ticket === generation && payment && !payment.final) { schedulePoll(ticket); }
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
          report("error", "Network error: no QR code yet. Press Show QR code again.", "", "network");
          return;
        }
        if (answer.status === 401) {
          signOut("Signed out: the login or password was refused. Sign in again.");
          return;
        }
        if (answer.status !== 200 || !data || typeof data !== "object" || typeof data.reference !== "string" || !data.reference) {
          report("error", messageOf(data) || "Error (HTTP " + answer.status + ")", "", errorCodeOf(data, answer.status));
          return;
        }
        pendingOrder = null;
        payment = { reference: data.reference, yuan: parsed.yuan, state: "", final: false, qrShown: false };
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
        if (ticket === generation && payment && !payment.final) { schedulePoll(ticket); }
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

      signInWith(function (candidate) {
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
    })();
    </script>
    </body>
    </html>
    """#
}
