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
