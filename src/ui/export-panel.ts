// Export view: download the trained adapter as a PEFT zip (adapter_config.json,
// adapter_model.safetensors, tabtune.json). The worker builds the bytes; the main thread only wraps
// them in a Blob and clicks a temporary <a download>.
//
// data-testids: export-adapter (the button), export-status.
import type { EngineApi } from '../protocol.ts';
import { button, el, formatBytes, panel } from './dom.ts';

export interface ExportPanel {
  element: HTMLElement;
  setAvailable(ok: boolean): void;
  onError(fn: (err: unknown) => void): void;
}

export function mountExportPanel(root: HTMLElement, engine: EngineApi): ExportPanel {
  const btn = button('Download adapter (.zip)', { 'data-testid': 'export-adapter', class: 'primary' });
  const status = el('p', { 'data-testid': 'export-status', class: 'muted', 'aria-live': 'polite' }, 'Train first: the adapter can be exported once a step has run.');
  const help = el('p', { class: 'help' }, 'A PEFT LoRA adapter: load it with peft.PeftModel.from_pretrained(base, folder), or with `tabtune logits --adapter`.');
  const section = panel('export', 'Export', el('div', { class: 'actions' }, btn), status, help);
  root.append(section);
  const errorListeners: ((e: unknown) => void)[] = [];
  btn.disabled = true;

  btn.addEventListener('click', async () => {
    btn.disabled = true;
    status.textContent = 'Packing the adapter…';
    try {
      const { fileName, bytes } = await engine.exportAdapter();
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      const a = el('a', { href: url, download: fileName, hidden: '' });
      document.body.append(a);
      a.click();
      a.remove();
      // The download has its own reference to the blob once started; free ours a little later.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Downloaded ${fileName} (${formatBytes(bytes.byteLength)}).`;
    } catch (e) {
      status.textContent = 'Export failed (see the error above).';
      errorListeners.forEach((f) => f(e));
    } finally {
      btn.disabled = false;
    }
  });

  return {
    element: section,
    setAvailable(ok) {
      btn.disabled = !ok;
      if (ok && status.textContent?.startsWith('Train first')) status.textContent = 'Ready to export.';
    },
    onError: (f) => void errorListeners.push(f),
  };
}
