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

// The NBOCA page: a large period takes a few seconds to check, and the file
// is validated before its first byte is sent, so say that something is
// happening. Without JavaScript the page works the same, only silently.
document.addEventListener("DOMContentLoaded", function () {
  var status = document.getElementById("export-status");
  if (!status) {
    return;
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-checking]")) {
      status.textContent = event.target.getAttribute("data-checking");
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
