// The store's ordering page (see replenish.html): sign in, review the suggested quantities, send.
Chainstore.start(function () {
  "use strict";

  var byId = Chainstore.byId, t = Chainstore.t, call = Chainstore.call, messageOf = Chainstore.messageOf;
  var views = { signin: byId("signin-view"), ordering: byId("ordering") };
  var supplierSelect = byId("supplier");
  var body = byId("lines").tBodies[0];
  var result = byId("result");
  var sendButton = byId("send");

  var session = null;   // { login, authorization, db }, in this closure only
  var overview = null;  // the last GET /api/v1/store/replenishment
  var key = null;       // the key of the order being sent: kept until an answer arrives

  function show(name) {
    Object.keys(views).forEach(function (view) { views[view].hidden = view !== name; });
    byId("signout").hidden = name === "signin";
  }

  var report = Chainstore.reporter(result);


  function describeSupplier() {
    var chosen = (overview && overview.suppliers || []).filter(function (s) { return String(s.id) === supplierSelect.value; })[0];
    byId("delivery").textContent = !chosen ? t("No supplier delivers to this store on a schedule yet.")
      : chosen.next_delivery ? t("Next delivery {0}; order before {1} (China time)", chosen.next_delivery, chosen.deadline)
      : t("No delivery day open for orders within four weeks");
    sendButton.disabled = !chosen || !chosen.next_delivery;
  }

  function render() {
    byId("company").textContent = overview.company || "";
    supplierSelect.textContent = "";
    overview.suppliers.forEach(function (supplier) {
      var option = document.createElement("option");
      option.value = String(supplier.id);
      option.textContent = supplier.name;
      supplierSelect.appendChild(option);
    });
    describeSupplier();
    body.textContent = "";
    overview.lines.forEach(function (line) {
      var row = body.insertRow();
      row.dataset.product = String(line.product_id);
      row.insertCell().textContent = line.product;
      [line.on_hand, line.forecast].forEach(function (value) {
        var cell = row.insertCell();
        cell.className = "number";
        cell.textContent = String(value);
      });
      var cell = row.insertCell();
      cell.className = "number";
      var input = document.createElement("input");
      input.type = "number";
      input.min = "0";
      input.step = "any";
      input.value = String(line.suggested || 0);
      input.setAttribute("aria-label", t("Quantity to order"));
      cell.appendChild(input);
    });
    byId("empty").hidden = overview.lines.length > 0;
  }

  // What is on its way to the store, day by day.
  async function loadComing() {
    var answer = null;
    try { answer = await call("GET", "/api/v1/stock/schedule?days=14", session); } catch (e) { answer = null; }
    if (!answer || answer.status !== 200) { return; }
    var coming = byId("coming").tBodies[0];
    coming.textContent = "";
    answer.data.days.forEach(function (day) {
      day.incoming.transfers.forEach(function (transfer) {
        var row = coming.insertRow();
        row.dataset.picking = String(transfer.id);
        [day.date + " " + transfer.time, transfer.name, transfer.partner].forEach(function (text) { row.insertCell().textContent = text; });
        var cell = row.insertCell();
        cell.className = "number";
        cell.textContent = String(transfer.units);
      });
    });
    byId("nothing-coming").hidden = coming.rows.length > 0;
  }

  async function load() {
    var answer = null;
    try { answer = await call("GET", "/api/v1/store/replenishment", session); } catch (e) { answer = null; }
    if (!answer) { report("error", t("Network error")); return; }
    if (answer.status !== 200) { report("error", messageOf(answer.data) || t("Error (HTTP {0})", answer.status)); return; }
    overview = answer.data;
    render();
    await loadComing();
  }

  async function send() {
    var lines = [];
    Array.prototype.forEach.call(body.rows, function (row) {
      var quantity = Number(row.querySelector("input").value);
      if (quantity > 0) { lines.push({ product_id: Number(row.dataset.product), quantity: quantity }); }
    });
    if (!lines.length) { report("error", t("Enter a quantity for at least one product")); return; }
    key = key || Chainstore.newKey("order-");
    sendButton.disabled = true;
    var answer = null;
    try {
      answer = await call("POST", "/api/v1/store/orders", session, { supplier_id: Number(supplierSelect.value), key: key, lines: lines });
    } catch (e) { answer = null; }
    sendButton.disabled = false;
    // No answer: the order may have arrived; the same key resends it without a second order.
    if (!answer) { report("error", t("Network error: send again, the order will not be doubled")); return; }
    key = null;
    if (answer.status === 200 || answer.status === 201) {
      var order = answer.data;
      report("ok", order.delivery ? t("Order {0} sent for delivery on {1}", order.name, order.delivery) : t("Order {0} sent", order.name));
      await load();
      return;
    }
    report("error", messageOf(answer.data) || t("Error (HTTP {0})", answer.status));
  }

  Chainstore.signInWith(function (candidate) {
    session = candidate;
    show("ordering");
    load();
  });
  Chainstore.onLanguage(function () { if (overview) { describeSupplier(); } });
  supplierSelect.addEventListener("change", function () { key = null; describeSupplier(); });
  sendButton.addEventListener("click", send);
  byId("reload").addEventListener("click", load);
  byId("signout").addEventListener("click", function () {
    session = null;
    overview = null;
    body.textContent = "";
    report("", "");
    show("signin");
  });

  show("signin");
  byId("login").focus();
});
