// The API docs' "Send" buttons: build the request from the form, call the API, show the answer.
// The token stays in this page's input; nothing is stored.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.try").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var path = form.dataset.path, query = new URLSearchParams(), headers = {};
      form.querySelectorAll("input[data-in]").forEach(function (input) {
        if (!input.value) { return; }
        var where = input.dataset.in;
        if (where === "path") { path = path.replace("{" + input.name + "}", encodeURIComponent(input.value)); }
        else if (where === "query") { query.append(input.name, input.value); }
        else if (where === "header") { headers[input.name] = input.value; }
      });
      var token = document.getElementById("token").value;
      if (token) { headers["Authorization"] = "Bearer " + token; }
      var init = { method: form.dataset.method, headers: headers };
      var body = form.querySelector("textarea[name=__body]");
      if (body) { init.body = body.value; headers["Content-Type"] = "application/json"; }
      var out = form.querySelector("pre.answer");
      var url = path + (query.toString() ? "?" + query.toString() : "");
      fetch(url, init).then(function (r) {
        return r.text().then(function (text) {
          try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
          out.textContent = r.status + " " + r.statusText + "\n" + text;
          out.hidden = false;
        });
      }).catch(function (e) { out.textContent = String(e); out.hidden = false; });
    });
  });
});
