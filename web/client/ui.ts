import { loadLogs } from "./logs";
import { submitAction, type ActionResult } from "./actions";
import { rowAction, showIssues } from "./form-rows";

/** Must match worker/routes/pages-common.ts. */
const FRAGMENT_HEADER = "X-Opsdeck-Fragment";
const FLASH_KEY = "opsdeck:flash";
const CONFIRM_MS = 5_000;

export type UiHooks = {
  /** A row action finished: the panel shows the result next to the row. */
  onNote?: (key: string, result: ActionResult) => void;
  onRange?: (range: string) => void;
  onChartRange?: (metricId: string, range: string) => void;
  onMarkRead?: () => void;
  /**
   * An action in the open dialog succeeded. Return true when the live socket will bring the
   * change (its frame redraws the dialog); false to have the dialog fetched again now.
   */
  onDialogAction?: (submittedAt: number) => boolean;
};

/** A message in the fixed toast area (never moves the page); kept a few seconds. */
export function toast(text: string, ok = true): void {
  const area = document.getElementById("toasts");
  if (!area) return;
  const item = document.createElement("div");
  item.className = "toast";
  item.dataset.ok = String(ok);
  item.textContent = text;
  area.append(item);
  setTimeout(() => item.remove(), ok ? 5_000 : 9_000);
}

function closeMenus(except?: Element | null): void {
  for (const menu of document.querySelectorAll("details.menu[open]"))
    if (menu !== except && !menu.contains(except ?? null)) menu.removeAttribute("open");
}

/**
 * The page's behaviours, installed once by event delegation so panels redrawn by live
 * frames need no re-wiring: menus, dialogs, action forms, theme, logs.
 */
export class Ui {
  private modalUrl?: string;
  private refreshing = false;

  constructor(private readonly hooks: UiHooks = {}) {}

  install(): void {
    document.documentElement.classList.add("js");
    document.addEventListener("click", (event) => this.onClick(event));
    document.addEventListener("submit", (event) => void this.onSubmit(event));
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = document.querySelector("details.menu[open]");
      if (!open) return;
      open.removeAttribute("open");
      open.querySelector("summary")?.focus();
    });
    // One menu open at a time.
    document.addEventListener(
      "toggle",
      (event) => {
        const target = event.target;
        if (
          target instanceof HTMLDetailsElement &&
          target.open &&
          target.classList.contains("menu")
        )
          closeMenus(target);
      },
      true,
    );
    const flash = sessionStorage.getItem(FLASH_KEY);
    if (flash) {
      sessionStorage.removeItem(FLASH_KEY);
      toast(flash);
    }
    for (const box of document.querySelectorAll<HTMLElement>(".logs[data-logs]:not([hidden])"))
      void loadLogs(box);
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    // A click outside any menu, or on a menu's link (a download, a page), closes menus.
    if (!target.closest("details.menu") || target.closest(".menu-list a")) closeMenus();
    const dialog = document.getElementById("modal");
    if (target === dialog && dialog instanceof HTMLDialogElement) return dialog.close();
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return;
    const el = target.closest<HTMLElement>("[data-action], a[data-modal], .filters a[data-range]");
    if (!el) return;
    const action = el.dataset.action;
    if (action === "close-modal") return this.closeModal();
    if (action === "theme") return this.toggleTheme(event);
    if (action === "mark-read") {
      closeMenus();
      return this.hooks.onMarkRead?.();
    }
    if (action === "stage-logs") return this.toggleStageLog(el);
    if (rowAction(el, action)) return event.preventDefault();
    if (action === "fullscreen") {
      const figure = el.closest("figure");
      if (figure?.requestFullscreen) {
        event.preventDefault();
        closeMenus();
        void figure.requestFullscreen().catch(() => this.openModal(el.getAttribute("href")!));
        return;
      }
    }
    if (action === "chart-range" && this.hooks.onChartRange) {
      const figure = el.closest<HTMLElement>("figure[data-metric]");
      if (figure) {
        event.preventDefault();
        closeMenus();
        return this.hooks.onChartRange(figure.dataset.metric!, el.dataset.range!);
      }
    }
    if (el.matches(".filters a[data-range]") && this.hooks.onRange) {
      event.preventDefault();
      for (const a of document.querySelectorAll(".filters a[data-range]"))
        a.removeAttribute("aria-current");
      el.setAttribute("aria-current", "true");
      return this.hooks.onRange(el.dataset.range!);
    }
    if (el instanceof HTMLAnchorElement && el.hasAttribute("data-modal")) {
      if (!document.getElementById("modal")) return;
      event.preventDefault();
      closeMenus();
      void this.openModal(el.getAttribute("href")!);
    }
  }

  private toggleTheme(event: Event): void {
    event.preventDefault();
    const root = document.documentElement;
    const current =
      root.dataset.theme ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    const next = current === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    document.cookie = `opsdeck_theme=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
  }

  private toggleStageLog(button: HTMLElement): void {
    const box = document.getElementById(button.dataset.target ?? "");
    if (!box) return;
    box.hidden = !box.hidden;
    button.setAttribute("aria-expanded", String(!box.hidden));
    button.textContent = box.hidden ? "Show log" : "Hide log";
    if (!box.hidden) {
      box.dataset.logs ??= button.dataset.logs;
      void loadLogs(box);
    }
  }

  /** Shows a detail page's content in the dialog; `#section` scrolls to and focuses a form. */
  async openModal(href: string, focus = true): Promise<void> {
    const dialog = document.getElementById("modal");
    const body = document.getElementById("modal-body");
    if (!(dialog instanceof HTMLDialogElement) || !body) {
      location.href = href;
      return;
    }
    const url = new URL(href, location.href);
    this.modalUrl = url.href;
    if (!dialog.open) {
      body.replaceChildren();
      body.textContent = "Loading…";
      dialog.showModal();
    }
    let text: string;
    try {
      const res = await fetch(url.pathname + url.search, {
        credentials: "same-origin",
        headers: { [FRAGMENT_HEADER]: "1", Accept: "text/html" },
        redirect: "manual",
      });
      if (res.type === "opaqueredirect" || res.status === 401) {
        body.textContent = "Your session has ended: reload the page to sign in again.";
        return;
      }
      text = await res.text();
    } catch {
      body.textContent = "The server could not be reached.";
      return;
    }
    if (this.modalUrl !== url.href) return;
    // Server-rendered by our own components (every value escaped); scripts in it never run.
    body.innerHTML = text;
    dialog.setAttribute("aria-labelledby", "detail-title");
    dialog.removeAttribute("aria-label");
    for (const box of body.querySelectorAll<HTMLElement>(".logs[data-logs]:not([hidden])"))
      void loadLogs(box);
    if (!focus) return;
    const section = url.hash ? body.querySelector<HTMLElement>(url.hash) : null;
    if (section) {
      section.scrollIntoView({ block: "start" });
      (
        section.querySelector<HTMLElement>("textarea, input:not([type=hidden]), select, button") ??
        section
      ).focus();
    } else {
      body.querySelector<HTMLElement>("h2")?.setAttribute("tabindex", "-1");
      body.querySelector<HTMLElement>("h2")?.focus();
    }
  }

  /**
   * The record in the open dialog may have changed (a live frame): draw it again, unless the
   * person is typing in it or has changed a field, which a redraw would throw away. `force`:
   * the change is the person's own action from this dialog, so nothing unsent is lost.
   */
  refreshModal(force = false): void {
    const body = document.getElementById("modal-body");
    if (!this.modalUrl || !body || this.refreshing) return;
    if (force) return this.redrawModal(body);
    if (
      body.contains(document.activeElement) &&
      document.activeElement?.matches("input, textarea, select")
    )
      return;
    const dirty = Array.from(
      body.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea"),
    ).some((el) =>
      el instanceof HTMLInputElement && el.type === "checkbox"
        ? el.checked !== el.defaultChecked
        : el.value !== el.defaultValue,
    );
    if (dirty || body.querySelector("output.result:not(:empty)")) return;
    this.redrawModal(body);
  }

  private redrawModal(body: HTMLElement): void {
    if (!this.modalUrl) return;
    this.refreshing = true;
    const url = new URL(this.modalUrl);
    url.hash = "";
    const scroll = body.parentElement?.scrollTop ?? 0;
    void this.openModal(url.href, false).finally(() => {
      this.refreshing = false;
      if (body.parentElement) body.parentElement.scrollTop = scroll;
    });
  }

  private closeModal(): void {
    const dialog = document.getElementById("modal");
    if (dialog instanceof HTMLDialogElement) dialog.close();
    this.modalUrl = undefined;
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (form.dataset.confirm && button && form.dataset.armed !== "1") {
      form.dataset.armed = "1";
      button.dataset.label = button.textContent ?? "";
      button.textContent = form.dataset.confirm;
      setTimeout(() => {
        form.dataset.armed = "";
        if (button.dataset.label) button.textContent = button.dataset.label;
      }, CONFIRM_MS);
      return;
    }
    form.dataset.armed = "";
    if (button?.dataset.label) button.textContent = button.dataset.label;
    if (button) button.disabled = true;
    const output = form.querySelector("output");
    if (output) output.textContent = "";
    const submittedAt = Date.now();
    const result = await submitAction(form);
    if (button) button.disabled = false;
    this.report(form, result, submittedAt);
  }

  private report(form: HTMLFormElement, result: ActionResult, submittedAt = Date.now()): void {
    const output = form.querySelector("output");
    showIssues(form, result.issues ?? []);
    if (output) {
      output.dataset.ok = String(result.ok);
      output.textContent = result.text;
      if (result.value) {
        const code = document.createElement("code");
        code.textContent = result.value;
        output.append(" ", code);
      }
    }
    const note = form.dataset.note;
    if (note && this.hooks.onNote) {
      closeMenus();
      this.hooks.onNote(note, result);
    }
    if (!result.ok) {
      if (!output || note) toast(result.text, false);
      return;
    }
    if (result.value) return; // a credential shown once: leave it on screen
    if (form.dataset.after === "reload") {
      sessionStorage.setItem(FLASH_KEY, result.text);
      return location.reload();
    }
    if (form.dataset.after === "modal" && !this.modalUrl) {
      // A detail page opened on its own: redraw it with the new state.
      sessionStorage.setItem(FLASH_KEY, result.text);
      return location.reload();
    }
    toast(result.text);
    if (form.dataset.after !== "modal" || !this.modalUrl) return;
    // One path for the new state: the change's own frame redraws the dialog (the toast keeps
    // the answer, so the form is left clean for that redraw). Without a live socket, fetch it.
    if (output) output.textContent = "";
    if (!this.hooks.onDialogAction?.(submittedAt)) void this.openModal(this.modalUrl);
  }
}
