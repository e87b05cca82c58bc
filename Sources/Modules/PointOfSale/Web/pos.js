// The /pos till (see pos.html).
Chainstore.start(function () {
  "use strict";

  var RETRY_MS = 3000;
  var BATCH = 20;
  var CATALOGUE_MS = 300000;
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
  var catalogue = {};         // barcode → { id, name, fen, categ, pack }: the store's catalogue, from IndexedDB
  var scope = "";             // "<db>|<company>": whose catalogue this is
  var catalogueVersion = null; // the feed's version the local catalogue is at (null: none held yet)
  var ageCheck = {};          // category id → true: sold only after an age check
  var cart = null;            // { uuid, lines: [{ id, name, qty, fen }], payments: [{ method, fen, ... }] }
  var parked = [];
  var selected = -1;          // the line tapped, for a discount
  var sequence = 0;           // orders started by this page load
  var seq = 0, pending = 0, refused = 0, online = true;
  var channel = null;
  // Pages and files kept by the service worker: the till opens again with the network down.
  if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/pos-sw.js", { scope: "/pos" }).catch(function () { /* online only */ }); }
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
    var messages = till && typeof till.config.customer_display_messages === "string" ? till.config.customer_display_messages : "";
    var message = { state: state, total: yuan(cartFen()), due: yuan(dueFen()), lines: (cart ? cart.lines : []).map(function (line) {
      return { name: line.name, qty: line.qty, amount: yuan(lineFen(line)) };
    }), messages: messages.split("\n").map(function (text) { return text.trim(); }).filter(Boolean) };
    Object.keys(extra || {}).forEach(function (key) { message[key] = extra[key]; });
    channel.postMessage(message);
    if (till && till.config.customer_display_remote) { publish(message); }
  }

  // A customer display on another device hears the cart through the bus: the latest state, at
  // most one request every 250 ms (the display in this browser needs no network).
  var remote = null, remoteTimer = null;
  function publish(message) {
    remote = message;
    if (remoteTimer) { return; }
    remoteTimer = setTimeout(async function () {
      remoteTimer = null;
      try { await call("POST", "/api/v1/pos/display", credentials, { config_id: till.config.id, message: remote }); } catch (e) { /* offline */ }
    }, 250);
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
      var name = line.attendant ? line.name + " ✓ " + line.attendant : line.name;
      [name, String(line.qty), price, yuan(lineFen(line))].forEach(function (text, column) {
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
        if (locked()) { return; }
        cart.lines.splice(index, 1);
        selected = -1;
        render();
      });
      cell.appendChild(remove);
      row.appendChild(cell);
      linesBody.appendChild(row);
    });
    totalText.textContent = yuan(cartFen());
    renderPayments();
    keepCart();
    broadcast("cart");
    setStatus();
  }

  // Split payments: what the cart has taken so far (cash, payment codes), and what is left.
  function paidFen() { return cart && cart.payments ? cart.payments.reduce(function (sum, p) { return sum + p.fen; }, 0) : 0; }
  function dueFen() { return cartFen() - paidFen(); }
  function renderPayments() {
    var list = byId("payments");
    list.textContent = "";
    (cart && cart.payments ? cart.payments : []).forEach(function (payment) {
      var item = document.createElement("li");
      item.textContent = payment.label + " " + yuan(payment.fen);
      list.appendChild(item);
    });
    var taken = !!(cart && cart.payments && cart.payments.length);
    byId("due-line").hidden = !taken;
    byId("due").textContent = yuan(dueFen());
  }
  // Once money is taken the lines stay as they are: what is left is paid, nothing is re-priced.
  function locked() {
    if (!cart || !cart.payments || !cart.payments.length) { return false; }
    scanError.textContent = t("Payments are taken: pay what is left ({0}) to finish this order", yuan(dueFen()));
    setStatus();
    return true;
  }
  // The cart in progress survives a reload of this tab (with the payments it has taken).
  function cartKey() { return "chainstore-pos-cart-" + till.config.id; }
  function keepCart() {
    if (!till) { return; }
    try { sessionStorage.setItem(cartKey(), JSON.stringify({ cart: cart, parked: parked })); } catch (e) { /* memory only */ }
  }

  // MARK: IndexedDB outbox

  var database = null;
  // Stores: `outbox` (paid orders not yet confirmed), `catalogue` (one row per barcode of a
  // store: { scope, code, id, name, fen, categ, pack }), `meta` ({ scope, version }: the feed's
  // version that catalogue is at).
  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("chainstore-pos", 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) { db.createObjectStore("outbox", { keyPath: "order_uuid" }); }
        if (!db.objectStoreNames.contains("catalogue")) {
          var codes = db.createObjectStore("catalogue", { keyPath: ["scope", "code"] });
          codes.createIndex("scope", "scope");
        }
        if (!db.objectStoreNames.contains("meta")) { db.createObjectStore("meta", { keyPath: "scope" }); }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  // One IndexedDB transaction over `names`; `work` gets the stores by name and may return a
  // request, whose result is the promise's.
  function idb(names, mode, work) {
    return new Promise(function (resolve, reject) {
      var tx = database.transaction(names, mode, { durability: "strict" });
      var stores = {};
      names.forEach(function (name) { stores[name] = tx.objectStore(name); });
      var result = work(stores);
      tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }
  function outbox(mode, work) { return idb(["outbox"], mode, function (stores) { return work(stores.outbox); }); }
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

  // Receipt uids are <session>-<page load>-<sequence>; the sequence is kept per page load, so a
  // till reopened offline (the page load it last had) goes on from where it was.
  function sequenceKey() { return "chainstore-pos-seq-" + till.session.id + "-" + till.session.login_number; }
  function newCart() {
    sequence += 1;
    localStorage.setItem(sequenceKey(), String(sequence));
    cart = { uuid: crypto.randomUUID(), sequence: sequence, prefix: receiptPrefix(), lines: [], payments: [] };
  }

  function pad(number, size) { var text = String(number); while (text.length < size) { text = "0" + text; } return text; }
  function receiptPrefix() { return pad(till.session.id, 5) + "-" + pad(till.session.login_number, 3); }
  function receiptUid(order) { return (order.prefix || receiptPrefix()) + "-" + pad(order.sequence, 4); }
  function utcNow() { return new Date().toISOString().slice(0, 19).replace("T", " "); }

  // MARK: scale labels, read on the till with the store's nomenclature (weight or price in the code)

  var labelRules = [];        // compiled { type, encoding, slots, field }
  function compileRule(rule) {
    var slots = [], field = null, pattern = rule.pattern || "";
    for (var i = 0; i < pattern.length; i += 1) {
      var c = pattern.charAt(i);
      if (c >= "0" && c <= "9") {
        slots.push(c);
      } else if (c === ".") {
        if (i + 2 === pattern.length && pattern.charAt(i + 1) === "*") { break; }
        slots.push(".");
      } else if (c === "{" && !field) {
        var integers = 0, decimals = 0;
        while (pattern.charAt(i + 1) === "N") { integers += 1; i += 1; }
        while (pattern.charAt(i + 1) === "D") { decimals += 1; i += 1; }
        if (pattern.charAt(i + 1) !== "}" || !(integers + decimals)) { return null; }
        i += 1;
        field = { start: slots.length, integers: integers, decimals: decimals };
        for (var k = 0; k < integers + decimals; k += 1) { slots.push("v"); }
      } else {
        return null;
      }
    }
    return field ? { type: rule.type, encoding: rule.encoding, slots: slots, field: field } : null;
  }
  function checkDigit(body) {
    var sum = 0;
    for (var i = body.length - 1, weight = 3; i >= 0; i -= 1, weight = 4 - weight) { sum += (body.charCodeAt(i) - 48) * weight; }
    return (10 - sum % 10) % 10;
  }
  // { type, value, base } when a rule reads the code (the base code is the product's barcode:
  // the number zeroed and the check digit made again), else null.
  function readLabel(code) {
    if (!/^\d+$/.test(code)) { return null; }
    for (var r = 0; r < labelRules.length; r += 1) {
      var rule = labelRules[r];
      var length = rule.encoding === "ean13" ? 13 : rule.encoding === "upca" ? 12 : 0;
      if (length && (code.length !== length || checkDigit(code.slice(0, -1)) !== code.charCodeAt(length - 1) - 48)) { continue; }
      if (code.length < rule.slots.length) { continue; }
      var fits = rule.slots.every(function (slot, i) { return slot === "." || slot === "v" || code.charAt(i) === slot; });
      if (!fits) { continue; }
      var f = rule.field, digits = code.substr(f.start, f.integers + f.decimals);
      var base = code.slice(0, f.start) + digits.replace(/\d/g, "0") + code.slice(f.start + digits.length);
      if (length) { base = base.slice(0, -1) + String(checkDigit(base.slice(0, -1))); }
      return { type: rule.type, value: parseInt(digits, 10) / Math.pow(10, f.decimals), base: base };
    }
    return null;
  }

  async function find(code) {
    if (catalogue[code]) { return catalogue[code]; }
    var label = readLabel(code);
    if (label && catalogue[label.base] && catalogue[label.base].fen > 0) {
      // A line of its own: the label's weight, or the label's price over the unit price.
      var item = catalogue[label.base];
      var quantity = label.type === "price" ? Math.round(label.value * 100 / item.fen * 1000) / 1000 : label.value;
      return Object.assign({}, item, { measured: quantity });
    }
    var answer;
    try { answer = await call("GET", "/api/v1/scan?code=" + encodeURIComponent(code), credentials); } catch (e) { answer = null; }
    if (!answer) { throw new Error(t("Offline: {0} is not in this till's catalogue", code)); }
    if (answer.status !== 200 || !answer.data || !answer.data.product) { throw new Error(t("Unknown barcode {0}", code)); }
    var product = { id: answer.data.product.id, name: answer.data.product.name, fen: Math.round(answer.data.price_unit * 100),
                    categ: answer.data.product.category_id || 0, pack: answer.data.packaging ? answer.data.packaging.quantity : 1 };
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
    if (locked()) { return; }
    try {
      var product = await find(code);
      // At a kiosk, a weighed item or one sold only after an age check waits for an attendant.
      if (KIOSK && (product.measured || ageCheck[product.categ])) {
        callStaff(product, qty);
        return;
      }
      // The last approval's message goes with the next item.
      if (staffBox.getAttribute("data-state") === "approved") { dismissStaff(""); }
      addItem(product, qty, null);
    } catch (error) {
      scanError.textContent = error.message;
      setStatus();
    }
    codeInput.focus();
  });

  // `approval`: an attendant's, at a kiosk ({ approval, attendant: { id, name } }); such a line
  // stands alone, as approved.
  function addItem(product, qty, approval) {
    if (!cart) { newCart(); }
    var alone = product.measured || approval;
    var line = alone ? null : cart.lines.find(function (item) { return item.id === product.id && !item.measured && !item.approval; });
    var units = product.measured || qty * (product.pack || 1);
    if (line) {
      line.qty += units;
    } else {
      line = { id: product.id, name: product.name, qty: units, fen: product.fen, measured: !!product.measured };
      if (approval) { line.approval = approval.approval; line.attendant = approval.attendant.name; }
      cart.lines.push(line);
    }
    qtyInput.value = "1";
    receiptText.textContent = "";
    render();
  }

  // The kiosk's call for an attendant: the item waits until a member of the store's staff signs
  // in here and approves it (or "Cancel" leaves it out).
  var staffBox = byId("staff"), attendantForm = byId("attendant-form"), attendantError = byId("attendant-error");
  var waiting = null;         // { product, qty, reason }: the item an attendant is called for
  function callStaff(product, qty) {
    var reason = ageCheck[product.categ] ? "age" : "weight";
    waiting = { product: product, qty: qty, reason: reason };
    staffBox.textContent = reason === "age" ? t("Please wait: an attendant will check your age for {0}", product.name)
                                            : t("Please wait: an attendant will help you with this item");
    staffBox.setAttribute("data-state", "called");
    staffBox.hidden = false;
    attendantForm.hidden = false;
    attendantError.textContent = "";
    setStatus();
    byId("attendant-login").focus();
  }
  function dismissStaff(state) {
    waiting = null;
    staffBox.setAttribute("data-state", state);
    staffBox.hidden = state !== "approved";
    attendantForm.hidden = true;
    byId("attendant-password").value = "";
    setStatus();
    codeInput.focus();
  }
  byId("cancel-staff").addEventListener("click", function () { dismissStaff(""); });
  attendantForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!waiting) { return; }
    var passwordInput = byId("attendant-password");
    var body = { session_id: till.session.id, product_id: waiting.product.id, reason: waiting.reason,
                 login: byId("attendant-login").value.trim(), password: passwordInput.value };
    passwordInput.value = "";
    var answer;
    try { answer = await call("POST", "/api/v1/pos/attendant", credentials, body); } catch (e) { answer = null; }
    if (!answer) { attendantError.textContent = t("Network error"); return; }
    if (answer.status !== 200 || !answer.data || !answer.data.approval) {
      attendantError.textContent = messageOf(answer.data) || t("Sign-in failed (HTTP {0})", answer.status);
      setStatus();
      return;
    }
    var item = waiting;
    byId("attendant-login").value = "";
    addItem(item.product, item.qty, answer.data);
    staffBox.textContent = t("Approved by {0}", answer.data.attendant.name);
    dismissStaff("approved");
  });

  byId("pay").addEventListener("click", function () {
    if (!cart || !cart.lines.length) { scanError.textContent = t("Scan an item first"); return; }
    payForm.hidden = false;
    tenderedInput.value = yuan(Math.max(dueFen(), 0));
    tenderedInput.disabled = cartFen() < 0;
    tenderedInput.focus();
    broadcast("paying");
  });
  byId("cancel-pay").addEventListener("click", function () { payForm.hidden = true; render(); codeInput.focus(); });

  // A paid order: durable in IndexedDB before the screen moves on (it survives a reload or a
  // power cut from here), then pushed.
  async function finish() {
    var order = cart, total = cartFen(), received = paidFen();
    var payments = order.payments.map(function (payment) { return payment.line; });
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
        if (line.approval) { fields.attendant_approval = line.approval; }
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
    keepCart();
    linesBody.textContent = "";
    totalText.textContent = yuan(0);
    renderPayments();
    await countOutbox();
    codeInput.focus();
    sync();
  }

  function takePayment(label, fen, line) { cart.payments.push({ label: label, fen: fen, line: line }); }

  payForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var total = cartFen();
    if (total < 0) {
      // A refund: the money goes back in cash, exactly.
      takePayment(t("Cash"), total, { name: utcNow(), payment_method_id: cash, amount: total / 100 });
      await finish();
      return;
    }
    var due = dueFen();
    var tendered = fenOf(tenderedInput.value);
    if (tendered === null || tendered <= 0) { scanError.textContent = t("Enter the cash received"); return; }
    takePayment(t("Cash"), tendered, { name: utcNow(), payment_method_id: cash, amount: tendered / 100 });
    if (tendered < due) {
      // Part in cash: the rest by another payment (split payment).
      payForm.hidden = true;
      scanError.textContent = "";
      render();
      receiptText.textContent = t("Cash {0} taken: {1} left to pay", yuan(tendered), yuan(dueFen()));
      codeInput.focus();
      return;
    }
    await finish();
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
    // The customer sees where the payment stands too.
    broadcast("code", { code_state: state });
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
    paying = { body: { order_key: cart.uuid, attempt: cart.attempt, auth_code: code, amount: dueFen(), subject: till.config.name },
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
      takePayment(method ? method.name : done.refund.channel, -refund.amount,
                  { name: utcNow(), payment_method_id: method ? method.id : null, amount: -refund.amount / 100,
                    payment_reference: refund.reference, card_type: done.refund.channel, payment_status: "done" });
      await finish();
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
      takePayment(method ? method.name : attempt.channel, attempt.amount,
                  { name: utcNow(), payment_method_id: method ? method.id : null, amount: attempt.amount / 100,
                    payment_reference: attempt.reference, transaction_id: attempt.channel_trade_no || "", card_type: attempt.channel,
                    payment_status: "done" });
      if (dueFen() > 0) {
        // Part by payment code: the rest by another payment (split payment).
        codeForm.hidden = true;
        render();
        receiptText.textContent = t("{0} {1} taken: {2} left to pay", method ? method.name : attempt.channel, yuan(attempt.amount), yuan(dueFen()));
        codeInput.focus();
        return;
      }
      await finish();
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
    if (locked()) { return; }
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
    if (locked()) { return; }
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
    if (!cart || !cart.lines.length || locked()) { return; }
    parked.push(cart);
    cart = null;
    render();
  });
  byId("recall").addEventListener("click", function () {
    if (!parked.length) { scanError.textContent = t("No parked order"); return; }
    if (locked()) { return; }
    if (cart && cart.lines.length) { parked.unshift(cart); }
    cart = parked.pop();
    render();
  });

  byId("display").addEventListener("click", function () { window.open("/pos/display?till=" + till.config.id, "chainstore-display"); });

  // MARK: the store's catalogue: IndexedDB first, the feed's pages the first time, its changes after

  var company = 0;
  function catalogueURL(query) { return "/api/v1/catalogue?company=" + company + "&limit=2000&" + query; }
  function sells(product) { return product.active !== false && product.in_assortment !== false; }
  // A product's rows: its barcode, and each packaging's (a pack of `pack` units).
  function entriesOf(product) {
    var base = { scope: scope, id: product.id, name: product.name, fen: Math.round(product.price * 100), categ: product.category_id || 0 };
    var rows = [];
    if (product.barcode) { rows.push(Object.assign({ code: product.barcode, pack: 1 }, base)); }
    (product.packagings || []).forEach(function (packaging) {
      var pack = parseFloat(packaging[1]);
      if (packaging[0] && pack > 0) { rows.push(Object.assign({ code: packaging[0], pack: pack }, base)); }
    });
    return rows;
  }
  function scopeRange() { return IDBKeyRange.bound([scope], [scope, []]); }

  // The whole catalogue, page after page, in place of what the device held for this store. The
  // first page's version is where the changes start from (a change during the download comes
  // again with them).
  async function downloadCatalogue() {
    var after = 0, version = null, rows = [];
    for (;;) {
      var answer = await call("GET", catalogueURL("after=" + after), credentials);
      if (answer.status !== 200 || !answer.data) { throw new Error(messageOf(answer.data) || t("The catalogue could not be loaded")); }
      if (version === null) { version = answer.data.version; }
      (answer.data.products || []).forEach(function (product) { if (sells(product)) { rows.push.apply(rows, entriesOf(product)); } });
      if (!answer.data.more || !answer.data.next_after) { break; }
      after = answer.data.next_after;
    }
    await idb(["catalogue", "meta"], "readwrite", function (stores) {
      stores.catalogue.delete(scopeRange());
      rows.forEach(function (row) { stores.catalogue.put(row); });
      stores.meta.put({ scope: scope, version: version });
    });
    catalogue = {};
    rows.forEach(function (row) { catalogue[row.code] = row; });
    held(version);
  }

  // The version the catalogue in memory is at, shown on `#catalogue` with its size.
  function held(version) {
    catalogueVersion = version;
    byId("catalogue").setAttribute("data-version", String(version));
    byId("catalogue").setAttribute("data-count", String(Object.keys(catalogue).length));
  }

  // What changed since the version held: a changed product's rows are replaced, an archived or
  // dropped one leaves; a changed assortment means a new download.
  async function applyChanges() {
    for (;;) {
      var answer = await call("GET", catalogueURL("since=" + catalogueVersion), credentials);
      if (answer.status !== 200 || !answer.data) { return; }
      if (answer.data.resync) { await downloadCatalogue(); return; }
      var products = answer.data.products || [];
      var changed = {}, fresh = [];
      products.forEach(function (product) {
        changed[product.id] = true;
        if (sells(product)) { fresh.push.apply(fresh, entriesOf(product)); }
      });
      var stale = Object.keys(catalogue).filter(function (code) { return changed[catalogue[code].id]; });
      var version = Math.max(catalogueVersion, answer.data.version || 0);
      await idb(["catalogue", "meta"], "readwrite", function (stores) {
        stale.forEach(function (code) { stores.catalogue.delete([scope, code]); });
        fresh.forEach(function (row) { stores.catalogue.put(row); });
        stores.meta.put({ scope: scope, version: version });
      });
      stale.forEach(function (code) { delete catalogue[code]; });
      fresh.forEach(function (row) { catalogue[row.code] = row; });
      held(version);
      if (!answer.data.more) { return; }
    }
  }
  var refreshing = false, again = false;
  async function refreshCatalogue() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      do { again = false; await applyChanges(); } while (again);
    } catch (e) {
      /* the next notification or timer asks again */
    } finally {
      refreshing = false;
    }
  }

  // The store's catalogue: from this device when it holds it (then its changes, in the
  // background), else downloaded.
  async function loadCatalogue() {
    company = Array.isArray(till.config.company_id) ? till.config.company_id[0] : till.config.company_id;
    scope = (credentials.db || "") + "|" + company;
    var meta = await idb(["meta"], "readonly", function (stores) { return stores.meta.get(scope); });
    if (!meta) {
      if (!online) { throw new Error(t("Offline: this till has no catalogue on this device yet")); }
      await downloadCatalogue();
    } else {
      var rows = await idb(["catalogue"], "readonly", function (stores) { return stores.catalogue.index("scope").getAll(scope); });
      catalogue = {};
      rows.forEach(function (row) { catalogue[row.code] = row; });
      held(meta.version);
      if (online) { refreshCatalogue(); }
    }
  }

  // Catalogue changes come on the bus (`product.catalogue/changed`), long-polled; and every few
  // minutes and when the browser is back online, in case a notification was missed.
  var listening = false;
  function listen() {
    if (listening) { return; }
    listening = true;
    Chainstore.follow(credentials, [], function (notes) {
      if (notes.some(function (note) { return note.message && note.message.type === "product.catalogue/changed"; })) { refreshCatalogue(); }
    });
  }

  // MARK: opening

  // The till's answer is kept for this login and terminal, so the till opens again offline with
  // the session and receipt prefix it last had.
  function tillKey(named) { return "chainstore-pos-till-" + (credentials.db || "") + "|" + credentials.login + "|" + (named || ""); }

  async function open(openingCash) {
    var body = openingCash === undefined ? {} : { opening_cash: openingCash };
    var named = new URLSearchParams(location.search).get("till");
    if (named && /^\d+$/.test(named)) { body.config_id = parseInt(named, 10); }
    var answer;
    try { answer = await call("POST", "/api/v1/pos/open", credentials, body); } catch (e) { answer = null; }
    if (!answer || answer.status === 502 || answer.status === 503 || answer.status === 504) {
      var kept = null;
      try { kept = JSON.parse(localStorage.getItem(tillKey(named)) || "null"); } catch (e) { kept = null; }
      if (!kept || !kept.session || kept.session.state !== "opened") { throw new Error(t("Offline: this till has not been opened on this device yet")); }
      till = kept;
      online = false;
    } else {
      if (answer.status !== 200 || !answer.data) { throw new Error(messageOf(answer.data) || t("The till could not be opened")); }
      till = answer.data;
      online = true;
      localStorage.setItem(tillKey(named), JSON.stringify(till));
    }
    cash = (till.payment_methods.find(function (method) { return method.type === "cash"; }) || {}).id || null;
    ageCheck = {};
    (till.age_check_category_ids || []).forEach(function (id) { ageCheck[id] = true; });
    labelRules = (till.label_rules || []).map(compileRule).filter(Boolean);
    if (till.session.state === "opening_control") { show("opening"); return; }
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("chainstore-pos-" + till.config.id) : null;
    byId("session").textContent = t("{0} · session {1}", till.config.name, till.session.name);
    sequence = parseInt(localStorage.getItem(sequenceKey()) || "0", 10) || 0;
    await loadCatalogue();
    show("till");
    // The cart this tab had before a reload, with what it has paid; else a new one.
    var keptCart = null;
    try { keptCart = JSON.parse(sessionStorage.getItem(cartKey()) || "null"); } catch (e) { keptCart = null; }
    parked = keptCart && Array.isArray(keptCart.parked) ? keptCart.parked.map(renumbered) : [];
    if (keptCart && keptCart.cart && keptCart.cart.uuid) { cart = renumbered(keptCart.cart); } else { newCart(); }
    // A payment-code attempt left in progress (a reload, an outage): its cart comes back and the
    // attempt is asked for until it is final.
    var saved = localStorage.getItem(payingKey());
    if (saved) {
      try { paying = JSON.parse(saved); } catch (e) { paying = null; }
      if (paying && paying.cart && paying.body) {
        cart = renumbered(paying.cart);
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
    listen();
  }

  // A cart kept from an earlier page load keeps its key (its order and payment attempts) and
  // its receipt uid when that was of this session; else it takes this page load's next one.
  function renumbered(kept) {
    kept.payments = kept.payments || [];
    if (kept.prefix !== receiptPrefix()) {
      sequence += 1;
      localStorage.setItem(sequenceKey(), String(sequence));
      kept.sequence = sequence;
      kept.prefix = receiptPrefix();
    }
    return kept;
  }

  byId("opening-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var fen = fenOf(byId("opening-cash").value);
    if (fen === null) { return; }
    try { await open(fen / 100); } catch (error) { byId("who").textContent = error.message; }
  });

  byId("signout").addEventListener("click", function () { location.reload(); });
  window.addEventListener("online", function () { sync(); if (catalogueVersion !== null) { refreshCatalogue(); } });
  setInterval(function () { if (pending) { sync(); } }, RETRY_MS);
  setInterval(function () { if (catalogueVersion !== null) { refreshCatalogue(); } }, CATALOGUE_MS);

  Chainstore.signInWith(async function (signedIn) {
    credentials = signedIn;
    database = await openDatabase();
    await countOutbox();
    try { await open(); } catch (error) { show("opening"); byId("who").textContent = error.message; }
  }, null, { offline: true });
  show("signin");
});
