// The /pos till (see pos.html).
Chainstore.start(function () {
  "use strict";

  var RETRY_MS = 3000;
  var BATCH = 20;
  var byId = Chainstore.byId, t = Chainstore.t, N_ = Chainstore.N_, call = Chainstore.call, messageOf = Chainstore.messageOf;
  // The same page as a self-checkout kiosk: the customer scans and pays by code; staff-only
  // controls go, and what needs an attendant calls one.
  var KIOSK = location.pathname === "/pos/kiosk";
  if (KIOSK) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-staff]"), function (element) { element.hidden = true; });
    document.title = t("Self-checkout");
  }
  var views = { signin: byId("signin-view"), opening: byId("opening-view"), till: byId("till-view") };
  var statusBox = byId("status"), syncText = byId("sync-text");
  var codeInput = byId("code"), qtyInput = byId("qty"), scanError = byId("scan-error");
  var linesBody = byId("lines"), totalText = byId("total"), receiptText = byId("receipt");
  var payForm = byId("pay-form"), tenderedInput = byId("tendered"), refusedList = byId("refused");

  var credentials = null;     // { login, authorization, db }: this page's memory only
  var till = null;            // the answer of POST /api/v1/pos/open
  var cash = null;            // the till's cash method id
  var catalogue = {};         // barcode → { id, name, fen }
  var cart = null;            // { uuid, lines: [{ id, name, qty, fen }] }
  var parked = [];
  var selected = -1;          // the line tapped, for a discount
  var sequence = 0;           // orders started by this page load
  var seq = 0, pending = 0, refused = 0, online = true;
  var channel = null;
  var deviceId = localStorage.getItem("chainstore-pos-device");
  if (!deviceId) {
    deviceId = "till-" + crypto.randomUUID();
    localStorage.setItem("chainstore-pos-device", deviceId);
  }

  function show(name) {
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    byId("signout").hidden = name === "signin";
    byId("display").hidden = name !== "till";
    statusBox.hidden = name !== "till";
  }

  // Money in fen (integers); "12.30" ↔ 1230.
  function yuan(fen) {
    var sign = fen < 0 ? "-" : "";
    var digits = String(Math.abs(fen));
    while (digits.length < 3) { digits = "0" + digits; }
    return sign + digits.slice(0, -2) + "." + digits.slice(-2);
  }
  function fenOf(text) {
    var match = /^\s*[\u00a5\uffe5]?\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }
  function lineFen(line) { return Math.round(line.fen * line.qty * (100 - (line.discount || 0)) / 100); }
  function cartFen() { return cart ? cart.lines.reduce(function (sum, line) { return sum + lineFen(line); }, 0) : 0; }

  function setStatus() {
    seq += 1;
    syncText.textContent = online
      ? (pending ? t("Orders waiting to be sent: {0}", pending) : t("All orders sent"))
      : t("Offline: orders waiting to be sent: {0}", pending);
    statusBox.setAttribute("data-pending", String(pending));
    statusBox.setAttribute("data-online", online ? "true" : "false");
    statusBox.setAttribute("data-refused", String(refused));
    statusBox.setAttribute("data-seq", String(seq));
  }

  // The customer display follows the cart (BroadcastChannel: no network needed).
  function broadcast(state, extra) {
    if (!channel) { return; }
    var message = { state: state, total: yuan(cartFen()), lines: (cart ? cart.lines : []).map(function (line) {
      return { name: line.name, qty: line.qty, amount: yuan(lineFen(line)) };
    }) };
    Object.keys(extra || {}).forEach(function (key) { message[key] = extra[key]; });
    channel.postMessage(message);
  }

  function render() {
    linesBody.textContent = "";
    (cart ? cart.lines : []).forEach(function (line, index) {
      var row = document.createElement("tr");
      row.setAttribute("data-product", String(line.id));
      if (index === selected) { row.className = "selected"; }
      row.addEventListener("click", function (event) {
        if (event.target.tagName === "BUTTON") { return; }
        selected = selected === index ? -1 : index;
        render();
      });
      var price = yuan(line.fen) + (line.discount ? " -" + line.discount + "%" : "");
      [line.name, String(line.qty), price, yuan(lineFen(line))].forEach(function (text, column) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (column > 0) { cell.className = "number"; }
        row.appendChild(cell);
      });
      var cell = document.createElement("td");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary void";
      remove.textContent = t("Void");
      remove.addEventListener("click", function () {
        cart.lines.splice(index, 1);
        selected = -1;
        render();
      });
      cell.appendChild(remove);
      row.appendChild(cell);
      linesBody.appendChild(row);
    });
    totalText.textContent = yuan(cartFen());
    broadcast("cart");
    setStatus();
  }

  // MARK: IndexedDB outbox

  var database = null;
  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("chainstore-pos", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: "order_uuid" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function outbox(mode, work) {
    return new Promise(function (resolve, reject) {
      var tx = database.transaction("outbox", mode, { durability: "strict" });
      var result = work(tx.objectStore("outbox"));
      tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }
  async function countOutbox() { pending = await outbox("readonly", function (store) { return store.count(); }); setStatus(); }

  // MARK: sync

  var syncing = false;
  async function pushOnce() {
    var all = await outbox("readonly", function (store) { return store.getAll(); });
    var batch = all.slice(0, BATCH);
    var body = { device_id: deviceId, pending: all.length - batch.length, session_id: till.session.id,
                 orders: batch.map(function (item) { return item.envelope; }) };
    var answer;
    try { answer = await call("POST", "/api/v1/pos/orders", credentials, body); } catch (e) { answer = null; }
    if (!answer || answer.status !== 200 || !answer.data || !Array.isArray(answer.data.results)) {
      online = false;
      if (answer && answer.status !== 200) { syncText.setAttribute("data-error", messageOf(answer.data) || String(answer.status)); }
      await countOutbox();
      return false;
    }
    online = true;
    var done = [];
    answer.data.results.forEach(function (result, index) {
      var item = batch[index];
      if (!item || !result || !result.status) { return; }
      done.push(item.order_uuid);
      if (result.status === "rejected") {
        refused += 1;
        var entry = document.createElement("li");
        entry.textContent = t("Order {0} was refused and kept for review: {1}", item.envelope.data.uid, result.error || "");
        refusedList.appendChild(entry);
      }
    });
    await outbox("readwrite", function (store) { done.forEach(function (key) { store.delete(key); }); });
    await countOutbox();
    return all.length > batch.length;
  }
  async function sync() {
    if (syncing || !till) { return; }
    syncing = true;
    try {
      var run = async function () { while (await pushOnce()) { /* next batch */ } };
      if (navigator.locks) { await navigator.locks.request("chainstore-pos-sync", run); } else { await run(); }
    } finally {
      syncing = false;
    }
  }

  // MARK: selling

  function newCart() {
    sequence += 1;
    cart = { uuid: crypto.randomUUID(), sequence: sequence, lines: [] };
  }

  function pad(number, size) { var text = String(number); while (text.length < size) { text = "0" + text; } return text; }
  function receiptUid(order) { return pad(till.session.id, 5) + "-" + pad(till.session.login_number, 3) + "-" + pad(order.sequence, 4); }
  function utcNow() { return new Date().toISOString().slice(0, 19).replace("T", " "); }

  async function find(code) {
    if (catalogue[code]) { return catalogue[code]; }
    var answer;
    try { answer = await call("GET", "/api/v1/scan?code=" + encodeURIComponent(code), credentials); } catch (e) { answer = null; }
    if (!answer) { throw new Error(t("Offline: {0} is not in this till's catalogue", code)); }
    if (answer.status !== 200 || !answer.data || !answer.data.product) { throw new Error(t("Unknown barcode {0}", code)); }
    var product = { id: answer.data.product.id, name: answer.data.product.name, fen: Math.round(answer.data.price_unit * 100) };
    // A scale label (weight or price in the code) is one line of its own, of the label's quantity.
    if (answer.data.kind === "weight" || answer.data.kind === "price") {
      product.measured = answer.data.quantity;
      return product;
    }
    catalogue[code] = product;
    return product;
  }

  byId("scan-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    var qty = parseFloat(qtyInput.value);
    codeInput.value = "";
    if (!code) { return; }
    if (!(qty > 0 && qty < 10000)) { scanError.textContent = t("The quantity must be a number above 0"); return; }
    scanError.textContent = "";
    try {
      var product = await find(code);
      if (KIOSK && product.measured) {
        var staff = byId("staff");
        staff.textContent = t("Please wait: an attendant will help you with this item");
        staff.setAttribute("data-state", "called");
        staff.hidden = false;
        setStatus();
        codeInput.focus();
        return;
      }
      if (!cart) { newCart(); }
      var line = product.measured ? null : cart.lines.find(function (item) { return item.id === product.id && !item.measured; });
      if (line) {
        line.qty += qty;
      } else {
        cart.lines.push({ id: product.id, name: product.name, qty: product.measured || qty, fen: product.fen, measured: !!product.measured });
      }
      qtyInput.value = "1";
      receiptText.textContent = "";
      render();
    } catch (error) {
      scanError.textContent = error.message;
      setStatus();
    }
    codeInput.focus();
  });

  byId("pay").addEventListener("click", function () {
    if (!cart || !cart.lines.length) { scanError.textContent = t("Scan an item first"); return; }
    payForm.hidden = false;
    tenderedInput.value = yuan(Math.max(cartFen(), 0));
    tenderedInput.disabled = cartFen() < 0;
    tenderedInput.focus();
    broadcast("paying");
  });
  byId("cancel-pay").addEventListener("click", function () { payForm.hidden = true; render(); codeInput.focus(); });

  // A paid order: durable in IndexedDB before the screen moves on (it survives a reload or a
  // power cut from here), then pushed.
  async function finish(payments, received) {
    var order = cart, total = cartFen();
    var uid = receiptUid(order);
    var change = received - total;
    var envelope = { id: uid, data: {
      name: "Order " + uid, uid: uid, sequence_number: order.sequence, pos_session_id: till.session.id, user_id: till.user.id,
      date_order: utcNow(), amount_total: total / 100, amount_tax: 0, amount_paid: total / 100, amount_return: change / 100,
      lines: order.lines.map(function (line, index) {
        var fields = { uuid: order.uuid + "-" + (index + 1), product_id: line.id, full_product_name: line.name, qty: line.qty,
                       price_unit: line.fen / 100, discount: line.discount || 0, price_subtotal_incl: lineFen(line) / 100 };
        if (line.reason) { fields.discount_reason = line.reason; }
        if (line.refunded) { fields.refunded_orderline_id = line.refunded; }
        return [0, 0, fields];
      }),
      statement_ids: payments.map(function (payment) { return [0, 0, payment]; }),
      order_uuid: order.uuid, access_token: order.uuid } };
    await outbox("readwrite", function (store) { store.put({ order_uuid: order.uuid, envelope: envelope }); });
    payForm.hidden = true;
    codeForm.hidden = true;
    receiptText.textContent = t("Receipt {0}: change {1}", uid, yuan(change));
    statusBox.setAttribute("data-last", uid);
    broadcast("paid", { change: yuan(change), received: yuan(received) });
    cart = null;
    linesBody.textContent = "";
    totalText.textContent = yuan(0);
    await countOutbox();
    codeInput.focus();
    sync();
  }

  payForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var total = cartFen();
    if (total < 0) {
      // A refund: the money goes back in cash, exactly.
      await finish([{ name: utcNow(), payment_method_id: cash, amount: total / 100 }], total);
      return;
    }
    var tendered = fenOf(tenderedInput.value);
    if (tendered === null || tendered < total) { scanError.textContent = t("The cash received must cover the total {0}", yuan(total)); return; }
    await finish([{ name: utcNow(), payment_method_id: cash, amount: tendered / 100 }], tendered);
  });

  // MARK: payment codes

  var codeForm = byId("code-form"), authInput = byId("auth-code"), codeState = byId("code-state");
  var paying = null;          // { reference, attempt, cart }: the attempt in progress
  var STATES = { pending: N_("Sending the payment\u2026"), user_paying: N_("Waiting for the customer to confirm on the phone\u2026"),
                 paid: N_("Paid"), refunded: N_("Refunded to the customer's account"), failed: N_("Not paid"), reversing: N_("Cancelling the payment\u2026"), reversed: N_("Cancelled: not paid"),
                 unknown: N_("Checking the payment\u2026") };
  function payingKey() { return "chainstore-pos-paying-" + till.config.id; }
  function showCodeState(state, detail) {
    codeState.textContent = (STATES[state] ? t(STATES[state]) : state) + (detail ? " \u2014 " + detail : "");
    codeState.setAttribute("data-state", state);
    setStatus();
  }

  byId("pay-code").addEventListener("click", function () {
    if (!cart || !cart.lines.length) { scanError.textContent = t("Scan an item first"); return; }
    if (cartFen() < 0) { refundByCode(); return; }
    codeForm.hidden = false;
    authInput.value = "";
    authInput.focus();
    broadcast("paying");
  });
  byId("cancel-code").addEventListener("click", async function () {
    if (paying) {
      try { await call("POST", "/api/v1/payments/" + encodeURIComponent(paying.reference) + "/cancel", credentials, {}); } catch (e) { /* asked again below */ }
      await follow();
      return;
    }
    codeForm.hidden = true;
    render();
  });

  codeForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var code = authInput.value.trim();
    authInput.value = "";
    if (!/^\d{16,24}$/.test(code) || paying) { return; }
    cart.attempt = (cart.attempt || 0) + 1;
    // Remembered before it is sent: a reload or an outage while the channel answers sends the
    // same order key and attempt again, which the payments module answers with the same
    // attempt (never a second charge). The code is forgotten once the attempt is final.
    paying = { body: { order_key: cart.uuid, attempt: cart.attempt, auth_code: code, amount: cartFen(), subject: till.config.name },
               cart: cart, reference: null };
    localStorage.setItem(payingKey(), JSON.stringify(paying));
    await send();
  });

  // Sends the request remembered in `paying` (a payment, or a refund) to `path`; asked again
  // while the network fails; the answer goes to `then`.
  async function request(path, then, again) {
    showCodeState("pending");
    var answer;
    try { answer = await call("POST", path, credentials, paying.body); } catch (e) { answer = null; }
    if (!answer) {
      showCodeState("unknown", t("Network error"));
      setTimeout(again, 2000);
      return;
    }
    if (answer.status !== 200 || !answer.data || !answer.data.reference) {
      paying = null;
      localStorage.removeItem(payingKey());
      showCodeState("failed", messageOf(answer.data));
      return;
    }
    paying.reference = answer.data.reference;
    localStorage.setItem(payingKey(), JSON.stringify(paying));
    await then(answer.data);
  }

  // Where a payment or refund stands (`path`); its answer goes to `then`, which asks again.
  async function poll(path, then, again) {
    var answer;
    try { answer = await call("GET", path, credentials); } catch (e) { answer = null; }
    if (!answer || answer.status !== 200 || !answer.data) {
      showCodeState("unknown", t("Network error"));
      setTimeout(again, 2000);
      return;
    }
    await then(answer.data);
  }

  function send() { return request("/api/v1/payments", settle, send); }
  function follow() {
    if (!paying || !paying.reference) { return; }
    return poll("/api/v1/payments/" + encodeURIComponent(paying.reference), settle, follow);
  }

  // Money back to the channel that took it: a refund of the sale's payment-code attempt through
  // the payments module, under the refund cart's UUID (asked again, never refunded twice).
  async function refundByCode() {
    var original = (cart.refundOf || []).find(function (p) { return p.payment_reference && (p.card_type === "wechat" || p.card_type === "alipay"); });
    if (!original || paying) { scanError.textContent = t("This receipt was not paid by payment code"); return; }
    paying = { refund: { payment: original.payment_reference, channel: original.card_type },
               body: { request_key: cart.uuid, amount: -cartFen(), reason: "POS refund" }, cart: cart, reference: null };
    localStorage.setItem(payingKey(), JSON.stringify(paying));
    await sendRefund();
  }
  function sendRefund() { return request("/api/v1/payments/" + encodeURIComponent(paying.refund.payment) + "/refunds", settleRefund, sendRefund); }
  function followRefund() { return poll("/api/v1/refunds/" + encodeURIComponent(paying.reference), settleRefund, followRefund); }
  async function settleRefund(refund) {
    if (refund.state === "done") {
      var done = paying;
      paying = null;
      localStorage.removeItem(payingKey());
      showCodeState("refunded");
      cart = done.cart;
      var method = till.payment_methods.find(function (m) { return m.payment_channel === done.refund.channel; });
      await finish([{ name: utcNow(), payment_method_id: method ? method.id : null, amount: -refund.amount / 100,
                      payment_reference: refund.reference, card_type: done.refund.channel, payment_status: "done" }], -refund.amount);
    } else if (refund.state === "failed") {
      paying = null;
      localStorage.removeItem(payingKey());
      showCodeState("failed", refund.code || "");
    } else {
      showCodeState("pending");
      setTimeout(followRefund, 2000);
    }
  }

  async function settle(attempt) {
    showCodeState(attempt.state);
    if (attempt.state === "paid") {
      var method = till.payment_methods.find(function (m) { return m.payment_channel === attempt.channel; });
      var done = paying;
      paying = null;
      localStorage.removeItem(payingKey());
      cart = done.cart;
      await finish([{ name: utcNow(), payment_method_id: method ? method.id : null, amount: attempt.amount / 100,
                      payment_reference: attempt.reference, transaction_id: attempt.channel_trade_no || "", card_type: attempt.channel,
                      payment_status: "done" }], attempt.amount);
    } else if (attempt.state === "failed" || attempt.state === "reversed" || attempt.state === "refunded") {
      paying = null;
      localStorage.removeItem(payingKey());
      codeForm.hidden = true;
    } else {
      setTimeout(follow, 2000);
    }
  }

  // MARK: discounts and refunds

  var discountForm = byId("discount-form"), refundForm = byId("refund-form");
  byId("discount").addEventListener("click", function () {
    if (!cart || !cart.lines.length) { scanError.textContent = t("Scan an item first"); return; }
    discountForm.hidden = !discountForm.hidden;
    byId("discount-percent").focus();
  });
  discountForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var percent = parseFloat(byId("discount-percent").value);
    var reason = byId("discount-reason").value.trim();
    if (!(percent >= 0 && percent <= 100)) { scanError.textContent = t("A discount is a percentage from 0 to 100"); return; }
    if (percent > 0 && !reason) { scanError.textContent = t("Give the reason for the discount"); return; }
    scanError.textContent = "";
    cart.lines.forEach(function (line, index) {
      if (selected < 0 || index === selected) { line.discount = percent; line.reason = reason; }
    });
    discountForm.hidden = true;
    render();
  });

  byId("refund").addEventListener("click", function () {
    refundForm.hidden = !refundForm.hidden;
    byId("refund-name").focus();
  });
  refundForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var name = byId("refund-name").value.trim();
    if (!name) { return; }
    var answer;
    try { answer = await call("GET", "/api/v1/pos/orders?name=" + encodeURIComponent(name), credentials); } catch (e) { answer = null; }
    if (!answer || answer.status !== 200 || !answer.data) {
      scanError.textContent = answer ? messageOf(answer.data) : t("Network error");
      setStatus();
      return;
    }
    if (cart && cart.lines.length) { parked.push(cart); }
    newCart();
    cart.refund = true;
    cart.refundOf = answer.data.payments || [];
    answer.data.lines.forEach(function (line) {
      var left = line.qty - (line.refunded_qty || 0);
      if (left > 0) {
        cart.lines.push({ id: line.product_id, name: line.full_product_name || String(line.product_id), qty: -left,
                          fen: Math.round(line.price_unit * 100), discount: line.discount || 0, refunded: line.id });
      }
    });
    refundForm.hidden = true;
    scanError.textContent = cart.lines.length ? "" : t("Everything on this receipt was already refunded");
    render();
  });

  byId("park").addEventListener("click", function () {
    if (!cart || !cart.lines.length) { return; }
    parked.push(cart);
    cart = null;
    render();
  });
  byId("recall").addEventListener("click", function () {
    if (!parked.length) { scanError.textContent = t("No parked order"); return; }
    if (cart && cart.lines.length) { parked.unshift(cart); }
    cart = parked.pop();
    render();
  });

  byId("display").addEventListener("click", function () { window.open("/pos/display?till=" + till.config.id, "chainstore-display"); });

  // MARK: opening

  async function loadCatalogue() {
    var after = 0;
    for (;;) {
      var answer = await call("GET", "/api/v1/catalogue?limit=2000&after=" + after, credentials);
      if (answer.status !== 200 || !answer.data) { return; }
      (answer.data.products || []).forEach(function (product) {
        if (product.barcode && product.active !== false) {
          catalogue[product.barcode] = { id: product.id, name: product.name, fen: Math.round(product.price * 100) };
        }
      });
      if (!answer.data.more || !answer.data.next_after) { return; }
      after = answer.data.next_after;
    }
  }

  async function open(openingCash) {
    var body = openingCash === undefined ? {} : { opening_cash: openingCash };
    var named = new URLSearchParams(location.search).get("till");
    if (named && /^\d+$/.test(named)) { body.config_id = parseInt(named, 10); }
    var answer = await call("POST", "/api/v1/pos/open", credentials, body);
    if (answer.status !== 200 || !answer.data) { throw new Error(messageOf(answer.data) || t("The till could not be opened")); }
    till = answer.data;
    cash = (till.payment_methods.find(function (method) { return method.type === "cash"; }) || {}).id || null;
    if (till.session.state === "opening_control") { show("opening"); return; }
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("chainstore-pos-" + till.config.id) : null;
    byId("session").textContent = t("{0} · session {1}", till.config.name, till.session.name);
    await loadCatalogue();
    show("till");
    newCart();
    // A payment-code attempt left in progress (a reload, an outage): its cart comes back and the
    // attempt is asked for until it is final.
    var saved = localStorage.getItem(payingKey());
    if (saved) {
      try { paying = JSON.parse(saved); } catch (e) { paying = null; }
      if (paying && paying.cart && paying.body) {
        cart = paying.cart;
        sequence = Math.max(sequence, cart.sequence);
        codeForm.hidden = false;
        if (paying.refund) {
          if (paying.reference) { followRefund(); } else { sendRefund(); }
        } else if (paying.reference) { follow(); } else { send(); }
      } else {
        paying = null;
      }
    }
    render();
    codeInput.focus();
    sync();
  }

  byId("opening-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var fen = fenOf(byId("opening-cash").value);
    if (fen === null) { return; }
    try { await open(fen / 100); } catch (error) { byId("who").textContent = error.message; }
  });

  byId("signout").addEventListener("click", function () { location.reload(); });
  window.addEventListener("online", function () { sync(); });
  setInterval(function () { if (pending) { sync(); } }, RETRY_MS);

  Chainstore.signInWith(async function (signedIn) {
    credentials = signedIn;
    database = await openDatabase();
    await countOutbox();
    try { await open(); } catch (error) { show("opening"); byId("who").textContent = error.message; }
  });
  show("signin");
});
