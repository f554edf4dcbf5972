// D-Sure print view: the 印刷 and 閉じる buttons (no inline script under the CSP).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => {
      if (button.dataset.action === "print") window.print();
      if (button.dataset.action === "close") window.close();
    });
  }
});
