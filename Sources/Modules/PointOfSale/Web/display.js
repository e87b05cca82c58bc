// The customer display of a till (see display.html): draws what the till broadcasts.
Chainstore.start(function () {
  "use strict";

  var byId = Chainstore.byId, t = Chainstore.t, N_ = Chainstore.N_;
  var ROTATE_MS = 5000;
  var state = byId("display-state"), message = byId("message");
  var seq = 0;
  var query = new URLSearchParams(location.search);
  var till = query.get("till") || "";
  // `remote=1`: on another device, signed in, following the till through the bus.
  var REMOTE = query.get("remote") === "1";
  if ((!REMOTE && typeof BroadcastChannel !== "function") || !/^\d+$/.test(till)) {
    state.textContent = t("Open this screen from the till");
    return;
  }
  // Where a payment by code stands, in the customer's words.
  var CODE = { pending: N_("Sending your payment\u2026"), user_paying: N_("Please confirm the payment on your phone"),
               paid: N_("Paid. Thank you!"), failed: N_("The payment did not go through"), reversed: N_("The payment was cancelled"),
               refunded: N_("Refunded to your account") };
  // Between sales the till's messages take turns (offers, opening hours, …).
  var messages = [], turn = 0, idle = true;
  function rotate() {
    if (!idle || !messages.length) { message.hidden = true; return; }
    message.textContent = messages[turn % messages.length];
    message.setAttribute("data-turn", String(turn));
    message.hidden = false;
    turn += 1;
  }
  setInterval(rotate, ROTATE_MS);

  function apply(update) {
    var body = byId("lines");
    body.textContent = "";
    (update.lines || []).forEach(function (line) {
      var row = document.createElement("tr");
      [line.name, String(line.qty), line.amount].forEach(function (text, column) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (column > 0) { cell.className = "number"; }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    byId("total").textContent = update.total || "0.00";
    if (update.state === "paid") {
      state.textContent = t("Thank you! Received {0}, change {1}", update.received, update.change);
    } else if (update.state === "paying") {
      state.textContent = t("Please pay {0}", update.due || update.total);
    } else if (update.state === "code" && CODE[update.code_state]) {
      state.textContent = t(CODE[update.code_state]);
    } else {
      state.textContent = "";
    }
    state.setAttribute("data-code", update.code_state || "");
    var wasIdle = idle;
    messages = Array.isArray(update.messages) ? update.messages : [];
    idle = update.state === "paid" || !(update.lines || []).length;
    if (idle && !wasIdle) { turn = 0; }
    rotate();
    seq += 1;
    state.setAttribute("data-total", update.total || "0.00");
    state.setAttribute("data-seq", String(seq));
  }

  function follow(credentials) {
    var channelName = JSON.stringify(["pos.config", parseInt(till, 10), "display"]);
    Chainstore.follow(credentials, [channelName], function (notes, first) {
      var carts = notes.filter(function (note) { return note.message && note.message.type === "pos.display/cart"; });
      var latest = carts.length ? carts[carts.length - 1].message.payload : null;
      // The first answer is what was said before this screen came: only an unfinished cart counts.
      if (latest && !(first && latest.state === "paid")) { apply(latest); }
    }, 5000);
  }

  if (REMOTE) {
    byId("signin-view").hidden = false;
    Chainstore.signInWith(function (credentials) {
      byId("signin-view").hidden = true;
      follow(credentials);
    });
  } else {
    byId("signin-view").hidden = true;
    new BroadcastChannel("chainstore-pos-" + till).onmessage = function (event) { apply(event.data || {}); };
  }
});
