// The page's whole client: no framework, no build step, no inline script (the server's
// Content-Security-Policy allows scripts from this origin only).
//
// The access token lives in `accessToken` below and nowhere else: not in localStorage,
// not in sessionStorage, not in a cookie, not in the DOM. A reload loses it; the
// refresh cookie (HttpOnly: this script cannot read it) gets a new one.
"use strict";

(() => {
  let accessToken = null;
  let expiresAtMs = 0;     // when the access token expires, by this browser's clock
  let refreshTimer = null;
  let refreshing = null;   // the refresh in flight, shared by everyone who needs one
  let refreshCount = 0;

  const $ = (id) => document.getElementById(id);

  function setState(state, message) {
    document.body.dataset.state = state;
    $("message").textContent = message || "";
  }

  // POST to a cookie endpoint of this origin (the browser adds Origin and the cookie).
  function post(path, body) {
    const init = { method: "POST", credentials: "same-origin", cache: "no-store", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init);
  }

  function accept(tokens) {
    accessToken = tokens.access_token;
    expiresAtMs = Date.now() + tokens.expires_in * 1000;
    // Refresh ahead: at 80% of the lifetime, at least a second before expiry.
    const lifetime = tokens.expires_in * 1000;
    const ahead = Math.max(Math.min(lifetime * 0.2, 60000), Math.min(1000, lifetime / 2));
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { refresh().catch(() => {}); }, lifetime - ahead);
  }

  function forget(message) {
    accessToken = null;
    expiresAtMs = 0;
    clearTimeout(refreshTimer);
    $("me-output").textContent = "";
    $("who").textContent = "…";
    setState("logged-out", message);
  }

  // One refresh at a time: callers that need one while it runs share it.
  function refresh() {
    if (!refreshing) {
      refreshing = (async () => {
        try {
          const response = await post("/refresh");
          if (!response.ok) {
            forget(response.status === 401 && accessToken ? "Your session has ended. Log in again." : "");
            return false;
          }
          accept(await response.json());
          refreshCount += 1;
          $("refresh-count").textContent = String(refreshCount);
          return true;
        } catch (e) {
          $("message").textContent = "The server cannot be reached.";
          return false;
        } finally {
          refreshing = null;
        }
      })();
    }
    return refreshing;
  }

  // Calls the API with the access token; on 401, refreshes once and retries.
  async function api(path) {
    const call = () => fetch(path, {
      headers: { Authorization: "Bearer " + accessToken },
      cache: "no-store",
    });
    let response = await call();
    if (response.status === 401 && (await refresh())) {
      response = await call();
    }
    return response;
  }

  async function showMe() {
    if (!accessToken) return;
    const response = await api("/api/me");
    if (!response.ok) {
      if (accessToken) $("me-output").textContent = "HTTP " + response.status;
      return;
    }
    const me = await response.json();
    $("who").textContent = me.preferred_username;
    $("me-output").textContent = JSON.stringify(me, null, 2);
  }

  async function login(event) {
    event.preventDefault();
    const username = $("username").value;
    const password = $("password").value;
    $("password").value = "";
    const response = await post("/login", { username, password });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      setState("logged-out", body.error_description || "Login failed.");
      return;
    }
    accept(await response.json());
    setState("logged-in");
    await showMe();
  }

  async function logout(path) {
    const response = await post(path);
    if (response.ok) {
      forget(path === "/logout-all" ? "Logged out everywhere." : "Logged out.");
    } else {
      $("message").textContent = "Logout failed (HTTP " + response.status + ").";
    }
  }

  function tick() {
    if (accessToken) {
      const left = Math.max(0, Math.round((expiresAtMs - Date.now()) / 1000));
      $("countdown").textContent = left + " s";
    } else {
      $("countdown").textContent = "–";
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("login-form").addEventListener("submit", login);
    $("me-button").addEventListener("click", showMe);
    $("logout-button").addEventListener("click", () => logout("/logout"));
    $("logout-all-button").addEventListener("click", () => logout("/logout-all"));
    setInterval(tick, 250);
    // A reload: the cookie may still hold a session.
    if (await refresh()) {
      refreshCount = 0;
      $("refresh-count").textContent = "0";
      setState("logged-in");
      await showMe();
    } else {
      setState("logged-out");
    }
  });
})();
