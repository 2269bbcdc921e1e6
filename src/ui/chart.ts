// A live line chart on uPlot that stays smooth over 10,000+ points: values are appended to plain arrays
// as they arrive and handed to uPlot with setData at most once per animation frame. Series are aligned
// on one x array (the step); a series without a value at some x holds null there (val loss exists only
// at evaluations) and is drawn across the gap.
//
// uPlot (and its CSS) is loaded on first use, in a chunk of its own: the page's first script stays
// small and the chart library is compiled in a later task.
import type uPlot from 'uplot';
import { perFrame } from './dom.ts';

let uplotModule: Promise<typeof uPlot> | null = null;
function loadUplot(): Promise<typeof uPlot> {
  uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return uplotModule;
}

export interface SeriesSpec {
  label: string;
  stroke: string;
  /** Scale key: series on different scales get their own y axis (the first scale is on the left). */
  scale: string;
  dash?: number[];
  /** Draw a dot at each value (for sparse series). */
  points?: boolean;
  /** Format values in the legend. */
  format?: (v: number) => string;
}

export class LiveChart {
  readonly element: HTMLElement;
  private plot: uPlot | null = null;
  private readonly xs: number[] = [];
  private readonly ys: (number | null)[][];
  private readonly redraw: () => void;

  constructor(
    private readonly specs: SeriesSpec[],
    private readonly opts: {
      height: number; xLabel: string; testid: string; ariaLabel: string;
      /** Fixed y ranges and tick formats, by scale key. */
      yRange?: Record<string, [number, number]>;
      axisFormat?: Record<string, (v: number) => string>;
    },
  ) {
    this.ys = specs.map(() => []);
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.element.dataset.testid = opts.testid;
    this.element.setAttribute('role', 'img');
    this.element.setAttribute('aria-label', opts.ariaLabel);
    // 10 redraws a second look continuous for a training curve and leave the frames in between to
    // the rest of the page (a 10,000-point redraw costs a few ms of script plus the canvas raster).
    this.redraw = perFrame(() => this.draw(), 100);
    // uPlot needs a width: create it once the element is laid out, and follow its size after that.
    new ResizeObserver(() => {
      const w = Math.floor(this.element.clientWidth);
      if (w <= 0) return;
      // Created in a task of its own, not inside the frame that first laid the page out.
      if (!this.plot) void this.createSoon();
      else if (Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: this.opts.height });
    }).observe(this.element);
  }

  /** Number of x values held (tests read it through data-points). */
  get length(): number {
    return this.xs.length;
  }

  /** Add a row at x (x must not decrease). `values[i]` is null where series i has no value. */
  append(x: number, values: (number | null)[]): void {
    const last = this.xs.length - 1;
    if (last >= 0 && this.xs[last] === x) {
      values.forEach((v, i) => v !== null && (this.ys[i][last] = v));
    } else if (last >= 0 && this.xs[last] > x) {
      this.set(x, values);
      return;
    } else {
      this.xs.push(x);
      values.forEach((v, i) => this.ys[i].push(v));
    }
    this.redraw();
  }

  /** Set values at x, inserting a row in order when there is none (rare: out-of-order events). */
  set(x: number, values: (number | null)[]): void {
    let i = this.xs.length - 1;
    while (i >= 0 && this.xs[i] > x) i--;
    if (i >= 0 && this.xs[i] === x) values.forEach((v, s) => v !== null && (this.ys[s][i] = v));
    else {
      this.xs.splice(i + 1, 0, x);
      values.forEach((v, s) => this.ys[s].splice(i + 1, 0, v));
    }
    this.redraw();
  }

  /** Drop every row after x (a run resumed from an earlier checkpoint redoes those steps). */
  truncateAfter(x: number): void {
    let n = this.xs.length;
    while (n > 0 && this.xs[n - 1] > x) n--;
    this.xs.length = n;
    for (const y of this.ys) y.length = n;
    this.redraw();
  }

  clear(): void {
    this.truncateAfter(-Infinity);
  }

  private creating = false;
  private async createSoon(): Promise<void> {
    if (this.creating) return;
    this.creating = true;
    const UPlot = await loadUplot();
    await new Promise((r) => setTimeout(r, 0));
    this.create(UPlot, Math.floor(this.element.clientWidth) || 600);
  }

  private create(UPlot: typeof uPlot, width: number): void {
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#888';
    const grid = css.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
    const scales = [...new Set(this.specs.map((s) => s.scale))];
    const axisFor = (scale: string, side: 0 | 1 | 2 | 3): uPlot.Axis => {
      const fmt = this.opts.axisFormat?.[scale];
      return {
        scale, side, stroke: fg, grid: { stroke: grid, width: 1, show: side === 3 }, ticks: { stroke: grid }, size: 60,
        ...(fmt ? { values: (_u: uPlot, ticks: number[]) => ticks.map(fmt) } : {}),
      };
    };
    const scaleOpts: Record<string, uPlot.Scale> = { x: { time: false } };
    for (const [k, r] of Object.entries(this.opts.yRange ?? {})) scaleOpts[k] = { range: r };
    this.plot = new UPlot(
      {
        width,
        height: this.opts.height,
        scales: scaleOpts,
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        series: [
          { label: this.opts.xLabel },
          ...this.specs.map((s): uPlot.Series => ({
            label: s.label, stroke: s.stroke, scale: s.scale, width: 1.5, dash: s.dash, spanGaps: true,
            points: { show: s.points ?? false, size: 5, fill: s.stroke },
            value: (_u, v) => (v === null || v === undefined ? '—' : s.format ? s.format(v) : v.toPrecision(4)),
          })),
        ],
        axes: [
          { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          ...scales.map((k, i) => axisFor(k, i === 0 ? 3 : 1)),
        ],
      },
      this.data(),
      this.element,
    );
  }

  private data(): uPlot.AlignedData {
    return [this.xs, ...this.ys];
  }

  private draw(): void {
    this.element.dataset.points = String(this.xs.length);
    this.plot?.setData(this.data());
  }
}
