// The site's one script of its own (besides the vendored htmx), loaded by
// base.html on every page. Every page works without it.

// htmx leaves 4xx responses unswapped by default. Ours carry what the user
// needs to see in place: the form with its errors (422), what someone else
// changed (409), or that a migration is running (423).
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 409 || status === 422 || status === 423) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Keyboard focus follows what the user is doing, not the top of the page:
// an inline form that opens takes the focus in its first field; after a
// post, the first field in error (or the error summary) takes it, else the
// row just saved (or the "saved" message when the row is gone).
var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
var AFTER_POST = "[aria-invalid=true], .error-summary, [data-saved], [data-testid=saved], .flash-success";

function focusOn(target) {
  if (!target) {
    return;
  }
  if (!target.matches(FIELDS + ", a[href], button") && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
}

function firstOf(scope, selectors) {
  for (var i = 0; i < selectors.length; i++) {
    var found = scope.querySelector(selectors[i]);
    if (found) {
      return found;
    }
  }
  return null;
}

function focusAfterChange(scope) {
  var target = firstOf(scope, AFTER_POST.split(", "));
  if (!target && scope.id && /-form$/.test(scope.id)) {
    // An inline form (or a confirmation) just opened in its slot.
    target = scope.querySelector(FIELDS) || scope.querySelector("button, a[href]");
  }
  focusOn(target);
}

document.addEventListener("htmx:afterSwap", function (event) {
  focusAfterChange(event.detail.target);
});

document.addEventListener("DOMContentLoaded", function () {
  var main = document.getElementById("main");
  if (main) {
    focusOn(firstOf(main, AFTER_POST.split(", ")));
  }
});

// Pages whose answer takes a few seconds for a large period (the NBOCA
// check and its file, which is validated before its first byte is sent; the
// outcomes dashboard) say that something is happening, in their status line.
// Without JavaScript they work the same, only silently.
document.addEventListener("DOMContentLoaded", function () {
  var status = document.getElementById("page-status");
  if (!status) {
    return;
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-working]")) {
      status.textContent = event.target.getAttribute("data-working");
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-preparing]");
    if (link) {
      // Said as a fact about the request, so it is still true once the file has come.
      var now = new Date();
      var at = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
      status.textContent = link.getAttribute("data-preparing").replace("{time}", at);
    }
  });
});

// A button stays disabled while its request is in flight, so a double click
// sends one request (the server's one-use form token refuses a second one
// anyway). htmx requests are re-enabled when they end; a plain form post
// leaves the page, and coming back to it (history) enables them again.
(function () {
  function buttonsOf(element) {
    var form = element && element.closest ? element.closest("form") : null;
    return form ? form.querySelectorAll("button, input[type=submit]") : [];
  }
  function setDisabled(buttons, disabled) {
    Array.prototype.forEach.call(buttons, function (button) {
      if (disabled) {
        button.setAttribute("data-in-flight", "");
      } else {
        button.removeAttribute("data-in-flight");
      }
      button.disabled = disabled;
    });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    setDisabled(buttonsOf(event.detail.elt), true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    setDisabled(buttonsOf(event.detail.elt), false);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.matches("[hx-post], [hx-get], [hx-put], [hx-delete]")) {
      return;
    }
    // After this turn, so the pressed button's name and value still go with the form.
    setTimeout(function () { setDisabled(buttonsOf(form), true); }, 0);
  });
  window.addEventListener("pageshow", function () {
    setDisabled(document.querySelectorAll("[data-in-flight]"), false);
  });
})();
