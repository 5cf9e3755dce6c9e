// The card form on the payment page. The browser only turns the buyer's card into a Stripe
// PaymentMethod; our server creates and confirms the PaymentIntent for its own total, and asks
// Stripe how it went. Two forms of the same flow:
//   "payment": Stripe's Payment Element (cards, wallets, local methods) → createPaymentMethod;
//   "card":    the card Element → a SetupIntent confirmed with the card (also what localstripe's
//              offline Stripe.js offers, which the browser tests use).
// A 3-D Secure challenge the server reports is handled here, then the server is asked again.

function post(url, form, data) {
  const body = new URLSearchParams(data);
  body.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
  return fetch(url, { method: "POST", body, credentials: "same-origin" }).then(async (r) => {
    const json = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(json.message || "The payment could not be made. Try again.");
    return json;
  });
}

function start() {
  const form = document.getElementById("pay-form");
  if (!form || typeof window.Stripe !== "function") return;
  const { key, element: kind, setup, amount, currency } = form.dataset;
  const stripe = window.Stripe(key);
  const error = document.getElementById("pay-error");
  const button = document.getElementById("pay-submit");
  const elements =
    kind === "card"
      ? stripe.elements()
      : stripe.elements({
          mode: "payment",
          amount: Number(amount),
          currency,
          paymentMethodCreation: "manual",
        });
  const field = elements.create(kind === "card" ? "card" : "payment");
  field.mount("#pay-element");
  button.disabled = false;

  const saveBox = document.getElementById("save-card");
  const saving = () => (saveBox && saveBox.checked ? { save_card: "1" } : {});

  async function paymentMethod() {
    if (kind === "card") {
      const { client_secret: secret } = await post(setup, form, saving());
      const result = await stripe.confirmCardSetup(secret, { payment_method: { card: field } });
      if (result.error) throw new Error(result.error.message || "The card was not accepted.");
      return result.setupIntent.payment_method;
    }
    const submitted = await elements.submit();
    if (submitted.error) throw new Error(submitted.error.message);
    const result = await stripe.createPaymentMethod({ elements });
    if (result.error) throw new Error(result.error.message);
    return result.paymentMethod.id;
  }

  async function authenticate(secret) {
    const result =
      kind === "card"
        ? await stripe.confirmCardPayment(secret)
        : await stripe.handleNextAction({ clientSecret: secret });
    // A failed challenge is reported by the server too; the return page says so.
    return result;
  }

  async function pay(trigger, data) {
    button.disabled = true;
    trigger.setAttribute("aria-busy", "true");
    error.textContent = "";
    try {
      const paid = await post(form.action, form, await data());
      if (paid.status === "requires_action") await authenticate(paid.client_secret);
      window.location.assign(paid.next);
    } catch (failure) {
      // A decline or an unreachable service: the order is kept; another card may be tried.
      error.textContent = failure.message || "The payment did not go through.";
      button.disabled = false;
      trigger.removeAttribute("aria-busy");
      error.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    pay(button, async () => ({ payment_method: await paymentMethod(), ...saving() }));
  });
  // A saved card: one click (the server checks it is one of this client's cards).
  document.querySelectorAll("[data-saved-card]").forEach((saved) => {
    saved.disabled = false;
    saved.addEventListener("click", () =>
      pay(saved, async () => ({ saved_card: saved.dataset.savedCard })),
    );
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
