// An officer signs a PDF with the token on their own computer (a leader a dossier's result or an
// outgoing document, a clerk the agency's seal on it): the page asks the signing agent
// (127.0.0.1:8987) for the certificate, posts it to the button's data-begin, the server prepares
// the signature, the agent signs what the server sent, the value goes to data-finish, the server
// embeds it and the page reloads (docs/signatures.md, "interrupted signing").
(function () {
  "use strict";
  const csrf = () => (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((data.error && data.error.message) || response.statusText);
    }
    return data;
  }

  async function sign(button) {
    const status = document.getElementById(button.dataset.status);
    const say = (text) => { if (status) status.textContent = text; };
    button.disabled = true;
    say(button.dataset.working);
    try {
      let announced;
      try {
        const answer = await fetch(button.dataset.agent + "/certificate");
        if (!answer.ok) throw new Error(String(answer.status));
        announced = await answer.json();
      } catch (error) {
        throw new Error(button.dataset.agentMissing);
      }
      const toSign = await postJSON(button.dataset.begin, announced);
      const signed = await fetch(button.dataset.agent + "/sign", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ data: toSign.data, hash: toSign.hash, mechanism: toSign.mechanism }),
      });
      if (!signed.ok) throw new Error(button.dataset.agentMissing);
      const value = await signed.json();
      await postJSON(button.dataset.finish, { session: toSign.session, signature: value.signature });
      window.location.reload();
    } catch (error) {
      say(error.message);
      button.disabled = false;
    }
  }

  document.querySelectorAll("[data-sign]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => sign(button));
  });
})();
