// The supplier portal (see supplier.html): sign in, read the orders, answer one, announce a shipment.
Chainstore.start(function () {
  "use strict";

  var byId = Chainstore.byId, t = Chainstore.t, N_ = Chainstore.N_, call = Chainstore.call, messageOf = Chainstore.messageOf;
  // A shipping notice's state, as shown.
  var STATES = { announced: N_("Announced"), received: N_("Received"), cancel: N_("Cancelled") };
  // An order's receipt status, as shown.
  var RECEIPT = { full: N_("Received"), partial: N_("Partly received"), pending: N_("Not received") };
  var views = { signin: byId("signin-view"), portal: byId("portal") };
  var ordersBody = byId("orders").tBodies[0];
  var linesBody = byId("lines").tBodies[0];
  var result = byId("result");

  var session = null;   // { login, authorization, db }, in this closure only
  var orders = [];      // the last GET /api/v1/supplier/orders
  var chosen = null;    // the order on screen
  var answerKey = null; // the key of the answer being sent: kept until an answer arrives

  function show(name) {
    Object.keys(views).forEach(function (view) { views[view].hidden = view !== name; });
    byId("signout").hidden = name === "signin";
  }

  var report = Chainstore.reporter(result);


  // GS1 mod-10 check digit of the digits given (weights 3, 1, 3, … from the right).
  function checkDigit(digits) {
    var sum = 0;
    for (var i = digits.length - 1, weight = 3; i >= 0; i -= 1, weight = 4 - weight) { sum += Number(digits[i]) * weight; }
    return String((10 - sum % 10) % 10);
  }

  function cellWith(row, input, className) {
    var cell = row.insertCell();
    if (className) { cell.className = className; }
    cell.appendChild(input);
    return input;
  }

  function field(type, value, label) {
    var input = document.createElement("input");
    input.type = type;
    if (type === "number") { input.min = "0"; input.step = "any"; }
    input.value = value === null || value === undefined || value === false ? "" : String(value);
    input.setAttribute("aria-label", t(label));
    return input;
  }

  function renderOrders() {
    ordersBody.textContent = "";
    orders.forEach(function (order) {
      var row = ordersBody.insertRow();
      row.dataset.order = String(order.id);
      if (chosen && chosen.id === order.id) { row.className = "chosen"; }
      [order.name, order.buyer, order.date_approve || "", order.acknowledged ? t("Yes") : t("No"),
       t(RECEIPT[order.receipt_status] || order.receipt_status),
       order.asns.map(function (asn) { return asn.asn_number + " (" + t(STATES[asn.state] || asn.state) + ")"; }).join(", ")
      ].forEach(function (text) { row.insertCell().textContent = text; });
      row.addEventListener("click", function () { choose(order.id); });
    });
    byId("none").hidden = orders.length > 0;
  }

  function choose(id) {
    chosen = orders.filter(function (order) { return order.id === id; })[0] || null;
    answerKey = null;
    byId("order").hidden = !chosen;
    renderOrders();
    if (!chosen) { return; }
    byId("order-name").textContent = chosen.name;
    byId("asn-number").value = "ASN-" + chosen.name.replace(/[^A-Za-z0-9]/g, "") + "-" + (chosen.asns.length + 1);
    linesBody.textContent = "";
    chosen.lines.forEach(function (line) {
      var open = Math.max(0, Number(line.quantity) - Number(line.received));
      var row = linesBody.insertRow();
      row.dataset.line = String(line.id);
      row.insertCell().textContent = line.product + (line.gtin ? " · " + line.gtin : "");
      [line.quantity, line.received].forEach(function (value) {
        var cell = row.insertCell();
        cell.className = "number";
        cell.textContent = String(value);
      });
      cellWith(row, field("number", line.supplier_qty === null ? line.quantity : line.supplier_qty, N_("Quantity confirmed")), "number").name = "confirm";
      cellWith(row, field("date", line.supplier_date || line.date_planned, N_("Delivery day"))).name = "date";
      cellWith(row, field("text", "", N_("Pallet SSCC"))).name = "sscc";
      var lot = cellWith(row, field("text", "", N_("Lot")));
      lot.name = "lot";
      lot.placeholder = line.tracking === "none" ? "" : t("required");
      cellWith(row, field("date", "", N_("Expiry"))).name = "expiry";
      cellWith(row, field("number", open, N_("Quantity shipped")), "number").name = "ship";
    });
    var list = byId("asns");
    list.textContent = "";
    chosen.asns.forEach(function (asn) {
      var item = document.createElement("li");
      item.textContent = asn.asn_number + " · " + t(STATES[asn.state] || asn.state) + " · " + t("{0} pallets", asn.pallets) + " ";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.dataset.asn = String(asn.id);
      button.textContent = t("Print labels");
      button.addEventListener("click", function () { openDocument("/api/v1/supplier/asns/" + asn.id + "/labels"); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // A page to print (labels, the order) needs the credentials kept here: fetched, then shown in a
  // window of its own.
  async function openDocument(path) {
    var shown = window.open("", "_blank");
    var answer = null;
    try { answer = await call("GET", path, session, undefined, "text/html"); } catch (e) { answer = null; }
    if (!answer || answer.status !== 200) {
      if (shown) { shown.close(); }
      report("error", answer ? messageOf(answer.data) || t("Error (HTTP {0})", answer.status) : t("Network error"));
      return;
    }
    var page = URL.createObjectURL(new Blob([answer.text], { type: "text/html" }));
    if (shown) { shown.location = page; } else { window.location = page; }
  }

  function input(row, name) { return row.querySelector('input[name="' + name + '"]'); }

  async function load() {
    var answer = null;
    try { answer = await call("GET", "/api/v1/supplier/orders", session); } catch (e) { answer = null; }
    if (!answer) { report("error", t("Network error")); return; }
    if (answer.status !== 200) { report("error", messageOf(answer.data) || t("Error (HTTP {0})", answer.status)); return; }
    orders = answer.data.orders;
    renderOrders();
    if (chosen) { choose(chosen.id); }
  }

  async function send(path, body, describe) {
    var answer = null;
    try { answer = await call("POST", path, session, body); } catch (e) { answer = null; }
    // No answer: it may have arrived; sending the same again is answered as a duplicate.
    if (!answer) { report("error", t("Network error: send again, it will not be doubled")); return false; }
    if (answer.status === 200 || answer.status === 201) {
      await load();
      report("ok", describe(answer.data));
      return true;
    }
    report("error", messageOf(answer.data) || t("Error (HTTP {0})", answer.status));
    return false;
  }

  async function acknowledge() {
    if (!chosen) { return; }
    var lines = Array.prototype.map.call(linesBody.rows, function (row) {
      var line = { line_id: Number(row.dataset.line), quantity: Number(input(row, "confirm").value || 0) };
      if (input(row, "date").value) { line.date = input(row, "date").value; }
      return line;
    });
    answerKey = answerKey || Chainstore.newKey("answer-");
    var sent = await send("/api/v1/supplier/orders/" + chosen.id + "/response", { key: answerKey, lines: lines }, function (data) {
      return data.duplicate ? t("Answer to {0} already received", data.order) : t("Answer to {0} sent", data.order);
    });
    if (sent) { answerKey = null; }
  }

  async function announce() {
    if (!chosen) { return; }
    var packages = {};
    var order = [];
    var problem = null;
    Array.prototype.forEach.call(linesBody.rows, function (row) {
      var quantity = Number(input(row, "ship").value || 0);
      if (!(quantity > 0) || problem) { return; }
      var sscc = input(row, "sscc").value.replace(/\D/g, "");
      if (sscc.length === 17) { sscc += checkDigit(sscc); input(row, "sscc").value = sscc; }
      if (sscc.length !== 18) { problem = t("Give each shipped line its pallet's SSCC (18 digits, or 17 and the check digit is added)"); return; }
      if (!packages[sscc]) { packages[sscc] = { sscc: sscc, kind: "pallet", contents: [] }; order.push(sscc); }
      var content = { po_line_id: Number(row.dataset.line), quantity: quantity };
      if (input(row, "lot").value.trim()) { content.lot = input(row, "lot").value.trim(); }
      if (input(row, "expiry").value) { content.expiry_date = input(row, "expiry").value; }
      packages[sscc].contents.push(content);
    });
    if (problem) { report("error", problem); return; }
    if (!order.length) { report("error", t("Enter a quantity shipped for at least one line")); return; }
    var notice = { asn_number: byId("asn-number").value.trim(), purchase_order: chosen.name,
                   packages: order.map(function (sscc) { return packages[sscc]; }) };
    if (byId("expected").value) { notice.expected_at = byId("expected").value + ":00+08:00"; }
    if (byId("plate").value.trim()) { notice.vehicle = { plate: byId("plate").value.trim() }; }
    await send("/api/v1/supplier/asns", notice, function (data) {
      var text = data.duplicate ? t("Shipping notice {0} already received", notice.asn_number)
        : t("Shipping notice {0} sent ({1} pallets)", notice.asn_number, order.length);
      return data.warnings.length ? text + " — " + data.warnings.join("; ") : text;
    });
  }

  Chainstore.signInWith(function (candidate) {
    session = candidate;
    show("portal");
    load();
  }, null, { check: "/api/v1/supplier/orders?limit=1" });
  Chainstore.onLanguage(function () { if (orders.length) { renderOrders(); } });
  byId("acknowledge").addEventListener("click", acknowledge);
  byId("announce").addEventListener("click", announce);
  byId("print-order").addEventListener("click", function () {
    if (chosen) { openDocument("/report/html/purchase.report_purchaseorder/" + chosen.id + "?lang=" + (Chainstore.language() === "zh_CN" ? "zh_CN" : "en_US")); }
  });
  byId("signout").addEventListener("click", function () {
    session = null;
    orders = [];
    chosen = null;
    ordersBody.textContent = "";
    byId("order").hidden = true;
    report("", "");
    show("signin");
  });

  show("signin");
  byId("login").focus();
});
