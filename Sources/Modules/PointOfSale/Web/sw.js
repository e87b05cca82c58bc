// The till's service worker, served at /pos-sw.js and registered by pos.js with scope /pos: it
// keeps the till's pages and files, so a till that loaded once opens again with the network
// down (the catalogue, the outbox and the till's session are in IndexedDB and localStorage).
// Pages are asked of the network first (a new release is picked up at once) and served from
// the cache when it does not answer; the files have their content's hash in their name, so the
// cached copy is always right. The API is never cached here.
"use strict";

var FILES = [
  "{{asset base/app.js}}", "{{asset base/app.css}}", "{{asset base/i18n/zh_CN.json}}",
  "{{asset point_of_sale/pos.js}}", "{{asset point_of_sale/pos.css}}", "{{asset point_of_sale/display.js}}",
  "{{asset point_of_sale/i18n/zh_CN.json}}"
];
var PAGES = ["/pos", "/pos/kiosk", "/pos/display"];
var PAGE_TIMEOUT_MS = 4000;
// One cache per release: the file names change with their content.
var CACHE = "chainstore-pos-" + FILES.join("").split("").reduce(function (hash, c) { return (hash * 31 + c.charCodeAt(0)) >>> 0; }, 7).toString(16);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(FILES.concat(PAGES)); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("chainstore-pos-") === 0 && key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function page(request, path) {
  var controller = new AbortController();
  var timer = setTimeout(function () { controller.abort(); }, PAGE_TIMEOUT_MS);
  return fetch(request, { signal: controller.signal }).then(function (response) {
    clearTimeout(timer);
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }, function () {
    clearTimeout(timer);
    return caches.match(path).then(function (cached) { return cached || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (PAGES.indexOf(url.pathname) >= 0) {
    event.respondWith(page(event.request, url.pathname));
  } else if (url.pathname.indexOf("/assets/") === 0) {
    event.respondWith(caches.match(url.pathname).then(function (cached) { return cached || fetch(event.request); }));
  }
});
