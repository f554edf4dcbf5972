// Net Desk certificate window: 印刷 and 閉じる (no inline script under the CSP).
// 閉じる is a real link back to 詳細: if the browser refuses window.close() (the window was not
// opened by 選択), the link is followed instead.
document.addEventListener("DOMContentLoaded", () => {
  for (const control of document.querySelectorAll("[data-action]")) {
    control.addEventListener("click", (event) => {
      if (control.dataset.action === "print") {
        window.print();
      } else if (control.dataset.action === "close") {
        event.preventDefault();
        window.close();
        // Still here? Closing was refused: go back to 詳細.
        window.setTimeout(() => { window.location.href = control.href; }, 200);
      }
    });
  }
});
