/// What the browser apps (`/scan`, `/display`) share: the sign-in form and the API helpers
/// (HTTP Basic credentials held in the page, `?db=`, a time limit, the server's error shapes).
/// Pasted into each page's markup and script, so each page stays one self-contained document.
enum AppPageParts {
    /// The start of a page, up to its own styles: the document head and the look both pages
    /// start from (large touch targets, high contrast, the status box).
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light">
        <link rel="icon" href="data:,">
        <title>\(title)</title>
        <style>
        \(baseStyle)
        """
    }

    /// The bar at the top: the app's name and the sign-out button.
    static func header(title: String) -> String {
        """
        <header>
          <h1>\(title)</h1>
          <button id="signout" type="button" class="secondary" hidden>Sign out</button>
        </header>
        """
    }

    static let baseStyle = #"""
    * { box-sizing: border-box; }
    [hidden] { display: none !important; }
    html, body { margin: 0; padding: 0; background: #fff; color: #000; }
    body { font: 20px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    header { display: flex; align-items: center; justify-content: space-between; gap: 8px;
             padding: 8px 12px; background: #000; color: #fff; }
    h1 { margin: 0; font-size: 24px; }
    label { display: block; margin: 12px 0 4px; font-weight: 700; }
    input { display: block; width: 100%; min-height: 64px; padding: 8px 12px; font-size: 24px;
            border: 3px solid #000; border-radius: 6px; background: #fff; color: #000; }
    input:focus { outline: 4px solid #0050c8; outline-offset: 1px; }
    button { display: block; width: 100%; min-height: 64px; margin: 12px 0 0; padding: 8px 16px;
             font-size: 22px; font-weight: 700; border: 3px solid #003080; border-radius: 6px;
             background: #0040a0; color: #fff; cursor: pointer; touch-action: manipulation; }
    button:disabled { background: #767676; border-color: #767676; }
    button.secondary { background: #fff; color: #000; border-color: #000; }
    header button { width: auto; margin: 0; }
    .actions { display: flex; gap: 12px; }
    .actions button { flex: 1; }
    .error-text { min-height: 1.4em; margin: 12px 0 0; color: #b00000; font-weight: 700; }
    #who { margin: 0; }
    #status.idle { background: #e8e8e8; color: #000; }
    #status.error { background: #b00000; color: #fff; font-size: 28px; }
    #message { margin: 0; font-weight: 700; overflow-wrap: anywhere; }
    """#

    static let signIn = #"""
      <section id="signin-view">
        <form id="signin-form" novalidate>
          <label for="login">Login</label>
          <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
                 autocorrect="off" spellcheck="false">
          <label for="password">Password or API key</label>
          <input id="password" name="password" type="password" autocomplete="current-password">
          <label for="db">Database (optional)</label>
          <input id="db" name="db" type="text" autocomplete="off" autocapitalize="none"
                 autocorrect="off" spellcheck="false">
          <p id="signin-error" class="error-text" role="alert"></p>
          <button id="signin" type="submit">Sign in</button>
        </form>
      </section>
    """#

    /// `basic(login, password)`, `apiURL(path, db)`, `call(method, path, credentials, body,
    /// accept)` → `{status, data, text}`, `messageOf(data)`, `errorCodeOf(data, status)`,
    /// `signInWith(signedIn, before)`; the page defines `byId` and `TIMEOUT_MS` before.
    static let apiScript = #"""
      function base64(text) {
        var bytes = new TextEncoder().encode(text);
        var binary = "";
        for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
        return btoa(binary);
      }

      function basic(login, password) { return "Basic " + base64(login + ":" + password); }

      function apiURL(path, db) {
        if (!db) { return path; }
        return path + (path.indexOf("?") < 0 ? "?" : "&") + "db=" + encodeURIComponent(db);
      }

      // One API call: resolves to { status, data, text } (data is null when the body is not
      // JSON), rejects when the server cannot be reached or does not answer in time.
      async function call(method, path, credentials, body, accept) {
        var controller = typeof AbortController === "function" ? new AbortController() : null;
        var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
        var headers = { "Authorization": credentials.authorization, "Accept": accept || "application/json" };
        // "omit": the Authorization header above is the only credential, and a refused one
        // comes back to the page as a 401 instead of opening the browser's login box.
        var init = { method: method, headers: headers, credentials: "omit", cache: "no-store" };
        if (controller) { init.signal = controller.signal; }
        if (body !== undefined) {
          headers["Content-Type"] = "application/json";
          init.body = JSON.stringify(body);
        }
        try {
          var response = await fetch(apiURL(path, credentials.db), init);
          var text = await response.text();
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          return { status: response.status, data: data, text: text };
        } finally {
          if (timer) { clearTimeout(timer); }
        }
      }

      function messageOf(data) {
        if (!data || typeof data !== "object") { return ""; }
        if (typeof data.message === "string" && data.message) { return data.message; }
        if (data.error && typeof data.error === "object" && typeof data.error.message === "string") {
          return data.error.message;
        }
        return typeof data.error === "string" ? data.error : "";
      }

      function errorCodeOf(data, status) {
        if (data && typeof data.error === "string") { return data.error; }
        if (data && data.error && typeof data.error === "object" && typeof data.error.code === "string") {
          return data.error.code;
        }
        return "http_" + status;
      }

      // The sign-in form: the credentials are checked once with a small read, then handed to
      // `signedIn` ({ login, authorization, db }); the password field is emptied. `before` runs
      // first on every attempt (the scan page unlocks its audio on this user gesture).
      function signInWith(signedIn, before) {
        var button = byId("signin");
        var error = byId("signin-error");
        var loginField = byId("login");
        var passwordField = byId("password");
        var dbField = byId("db");
        byId("signin-form").addEventListener("submit", async function (event) {
          event.preventDefault();
          if (button.disabled) { return; }
          if (before) { before(); }
          var login = loginField.value.trim();
          var db = dbField.value.trim();
          if (!login) {
            error.textContent = "Enter your login";
            loginField.focus();
            return;
          }
          var candidate = { login: login, authorization: basic(login, passwordField.value), db: db };
          error.textContent = "";
          button.disabled = true;
          button.textContent = "Signing in...";
          var answer = null;
          try { answer = await call("GET", "/api/v1/catalogue?limit=1", candidate); } catch (e) { answer = null; }
          button.disabled = false;
          button.textContent = "Sign in";
          if (answer && answer.status === 200) {
            passwordField.value = "";
            byId("who").textContent = "Signed in as " + login + (db ? " (" + db + ")" : "");
            signedIn(candidate);
            return;
          }
          if (!answer) {
            error.textContent = "Network error";
          } else if (answer.status === 401) {
            error.textContent = "Wrong login or password";
          } else {
            error.textContent = messageOf(answer.data) || "Sign-in failed (HTTP " + answer.status + ")";
          }
          passwordField.focus();
        });
      }
    """#
}
