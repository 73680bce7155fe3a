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
