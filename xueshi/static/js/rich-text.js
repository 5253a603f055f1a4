/* 详细及附件: a small rich-text editor over a <textarea data-rich-text> (issue 13 item 12).
   Bold, italic, lists and 图片 (a local picture, uploaded to the claim and checked by content on
   the server). The text area stays the form's field: the editor copies its HTML into it, and
   the server sanitises whatever arrives (nh3), so this file only makes typing pleasant.
   Without script, the plain text area remains. No inline script or style anywhere. */
(function () {
  "use strict";

  var BUTTONS = [
    { command: "bold", label: "加粗", icon: "bi-type-bold" },
    { command: "italic", label: "倾斜", icon: "bi-type-italic" },
    { command: "insertUnorderedList", label: "项目符号", icon: "bi-list-ul" },
    { command: "insertOrderedList", label: "编号", icon: "bi-list-ol" }
  ];

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function button(label, icon) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-outline-secondary";
    b.setAttribute("aria-label", label);
    b.title = label;
    var i = document.createElement("i");
    i.className = "bi " + icon;
    i.setAttribute("aria-hidden", "true");
    b.appendChild(i);
    return b;
  }

  function enhance(textarea) {
    if (textarea.dataset.richTextReady) { return; }
    textarea.dataset.richTextReady = "1";
    var form = textarea.form || textarea.closest("form") || document.getElementById(textarea.getAttribute("form"));
    var wrapper = document.createElement("div");
    wrapper.className = "xs-rich-text border rounded";
    var toolbar = document.createElement("div");
    toolbar.className = "xs-rich-text-toolbar btn-toolbar gap-1 p-1 border-bottom bg-body-tertiary";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "详细及附件工具条");
    var editor = document.createElement("div");
    editor.className = "xs-rich-text-body p-2";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      if (!label.id) { label.id = textarea.id + "-label"; }
      editor.setAttribute("aria-labelledby", label.id);
      // The hidden text area only carries the value: the label names the editor alone.
      label.removeAttribute("for");
      label.addEventListener("click", function () { editor.focus(); });
    }
    if (textarea.getAttribute("aria-describedby")) {
      editor.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    editor.innerHTML = textarea.value;
    var status = document.createElement("div");
    status.className = "xs-rich-text-status small px-2 pb-1";
    status.setAttribute("role", "status");

    function sync() {
      textarea.value = editor.innerHTML;
    }

    BUTTONS.forEach(function (spec) {
      var b = button(spec.label, spec.icon);
      b.addEventListener("click", function () {
        editor.focus();
        document.execCommand(spec.command, false, null);
        sync();
      });
      toolbar.appendChild(b);
    });

    var accept = textarea.getAttribute("data-image-accept");
    if (accept) {
      var picture = button("图片", "bi-image");
      var text = document.createElement("span");
      text.className = "ms-1";
      text.textContent = "图片";
      picture.appendChild(text);
      var file = document.createElement("input");
      file.type = "file";
      file.accept = accept;
      file.className = "d-none";
      file.setAttribute("aria-hidden", "true");
      file.tabIndex = -1;
      picture.addEventListener("click", function () {
        var url = form && form.getAttribute("data-image-upload-url");
        if (!url) {
          status.className = "xs-rich-text-status small px-2 pb-1 text-danger";
          status.textContent = "请先点击“保存暂不提交”，保存后即可在详细及附件中插入图片。";
          return;
        }
        file.click();
      });
      file.addEventListener("change", function () {
        if (!file.files.length) { return; }
        var body = new FormData();
        body.append("image", file.files[0]);
        status.className = "xs-rich-text-status small px-2 pb-1 text-body-secondary";
        status.textContent = "正在上传图片…";
        fetch(form.getAttribute("data-image-upload-url"), {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(form) }
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        }).then(function (result) {
          if (!result.ok || !result.data.url) {
            status.className = "xs-rich-text-status small px-2 pb-1 text-danger";
            status.textContent = result.data.error || "图片未上传，请重试。";
            return;
          }
          var img = document.createElement("img");
          img.src = result.data.url;
          img.alt = result.data.name || "图片";
          editor.appendChild(img);
          sync();
          status.className = "xs-rich-text-status small px-2 pb-1 text-success";
          status.textContent = "已插入图片“" + (result.data.name || "") + "”，保存后生效。";
        }).catch(function () {
          status.className = "xs-rich-text-status small px-2 pb-1 text-danger";
          status.textContent = "图片未上传：网络错误，请重试。";
        });
        file.value = "";
      });
      toolbar.appendChild(picture);
      toolbar.appendChild(file);
    }

    editor.addEventListener("input", sync);
    editor.addEventListener("blur", sync);
    if (form) { form.addEventListener("submit", sync); }
    wrapper.appendChild(toolbar);
    wrapper.appendChild(editor);
    wrapper.appendChild(status);
    textarea.classList.add("d-none");
    textarea.parentNode.insertBefore(wrapper, textarea.nextSibling);
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("textarea[data-rich-text]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  // The category's fields are swapped in by HTMX when the category changes.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
