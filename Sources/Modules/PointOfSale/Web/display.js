// The customer display of a till (see display.html): draws what the till broadcasts.
Chainstore.start(function () {
  "use strict";

  var byId = Chainstore.byId, t = Chainstore.t;
  var state = byId("display-state");
  var seq = 0;
  var till = new URLSearchParams(location.search).get("till") || "";
  if (typeof BroadcastChannel !== "function" || !/^\d+$/.test(till)) {
    state.textContent = t("Open this screen from the till");
    return;
  }
  var channel = new BroadcastChannel("chainstore-pos-" + till);
  channel.onmessage = function (event) {
    var message = event.data || {};
    var body = byId("lines");
    body.textContent = "";
    (message.lines || []).forEach(function (line) {
      var row = document.createElement("tr");
      [line.name, String(line.qty), line.amount].forEach(function (text, column) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (column > 0) { cell.className = "number"; }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    byId("total").textContent = message.total || "0.00";
    if (message.state === "paid") {
      state.textContent = t("Thank you! Received {0}, change {1}", message.received, message.change);
    } else if (message.state === "paying") {
      state.textContent = t("Please pay {0}", message.total);
    } else {
      state.textContent = "";
    }
    seq += 1;
    state.setAttribute("data-total", message.total || "0.00");
    state.setAttribute("data-seq", String(seq));
  };
});
