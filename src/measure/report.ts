/**
 * Renders a bench report: a Markdown table (what the README shows) and an SVG bar chart, one panel
 * per measure, one bar per system, min-max whiskers on the timings. The SVG is plain SVG 1.1 with no
 * scripts or external references, so any browser or image viewer shows it.
 */
import { BenchReport, SubjectResult } from "./bench";

const MIB = 1024 * 1024;

function fixed(value: number | null, digits = 0): string {
    return value === null || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
}

function number(value: number): string {
    if (Number.isInteger(value) || value >= 100) return value.toFixed(0);
    return value.toFixed(value >= 10 ? 1 : 2);
}

/** Bytes as KiB below 1 MiB, else MiB. */
function size(bytes: number): string {
    return bytes < MIB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** The results as a Markdown table, with the machine in a line above it. */
export function reportTable(report: BenchReport): string {
    const m = report.machine;
    const lines = [
        `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}, QEMU ${m.accel.toUpperCase()}; ${report.settings.runs} boots each, idle ${report.settings.idleSeconds} s`,
        "",
        "| system | image | first output ms (median, min-max) | ready ms (median, min-max) | smallest memory (MiB) | QEMU RSS idle (MiB) | QEMU CPU s per idle 10 s | vCPU s per idle 10 s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of report.results) {
        const perTen = (seconds: number | null | undefined) =>
            seconds === null || seconds === undefined || report.settings.idleSeconds === 0
                ? null
                : (seconds * 10) / report.settings.idleSeconds;
        lines.push(
            `| ${r.name} | ${size(r.imageBytes)} | ${r.firstOutputMs.median} (${r.firstOutputMs.min}-${r.firstOutputMs.max}) | ${r.readyMs.median} (${r.readyMs.min}-${r.readyMs.max}) | ${fixed(r.minMemoryMiB)} | ${fixed(r.qemuRssKiB === null ? null : r.qemuRssKiB / 1024, 1)} | ${fixed(perTen(r.idleCpuSeconds), 2)} | ${fixed(perTen(r.idleVcpuSeconds), 2)} |`,
        );
    }
    const loaded = report.results.filter((r) => r.workload);
    if (loaded.length) {
        lines.push(
            "",
            `${report.settings.workloadRequests} sequential HTTP requests each (GET /, a new connection each):`,
            "",
            "| system | errors | p50 ms | p90 ms | p99 ms | max ms | requests/s | QEMU RSS max (MiB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        );
        for (const r of loaded) {
            const w = r.workload!;
            lines.push(
                `| ${r.name} | ${w.errors}${w.abandoned ? " (gave up)" : ""} | ${fixed(w.latencyMs?.median ?? null, 1)} | ${fixed(w.latencyMs?.p90 ?? null, 1)} | ${fixed(w.latencyMs?.p99 ?? null, 1)} | ${fixed(w.latencyMs?.max ?? null, 1)} | ${fixed(w.requestsPerSecond, 1)} | ${fixed(r.qemuRssMaxKiB === null ? null : r.qemuRssMaxKiB / 1024, 1)} |`,
            );
        }
    }
    const notes = report.results.flatMap((r) => (r.notes ?? []).map((n) => `- ${r.name}: ${n}`));
    if (notes.length) lines.push("", ...notes);
    return `${lines.join("\n")}\n`;
}

interface Panel {
    title: string;
    unit: string;
    value: (r: SubjectResult) => number | null;
    range?: (r: SubjectResult) => [number, number];
}

const PANELS: Panel[] = [
    {
        title: "Time to ready (median, min-max)",
        unit: "ms",
        value: (r) => r.readyMs.median,
        range: (r) => [r.readyMs.min, r.readyMs.max],
    },
    { title: "Image size", unit: "KiB", value: (r) => r.imageBytes / 1024 },
    { title: "Smallest memory it boots in", unit: "MiB", value: (r) => r.minMemoryMiB },
    {
        title: "QEMU resident memory, guest idle",
        unit: "MiB",
        value: (r) => (r.qemuRssKiB === null ? null : r.qemuRssKiB / 1024),
    },
    { title: "QEMU CPU time while the guest idles", unit: "s", value: (r) => r.idleCpuSeconds },
];

/** Shown when some system ran the request loop. */
const WORKLOAD_PANEL: Panel = {
    title: "HTTP latency under a sequential request loop (p50, min-p99)",
    unit: "ms",
    value: (r) => r.workload?.latencyMs?.median ?? null,
    range: (r) => (r.workload?.latencyMs ? [r.workload.latencyMs.min, r.workload.latencyMs.p99] : [0, 0]),
};

const COLORS = ["#2f6fdf", "#d9822b", "#3a9b5d", "#a14bc9"];

function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An SVG bar chart of the report. */
export function reportSvg(report: BenchReport): string {
    const width = 760;
    const labelWidth = 250;
    const barArea = width - labelWidth - 90;
    const barHeight = 18;
    const panelGap = 26;
    const rows = report.results.length;
    const panelHeight = 24 + rows * (barHeight + 6);
    const header = 48;
    const panels = report.results.some((r) => r.workload) ? [...PANELS, WORKLOAD_PANEL] : PANELS;
    const height = header + panels.length * (panelHeight + panelGap) + 10;
    const m = report.machine;
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
        `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml("Unikernel vs Linux VM (unikernel bench)")}</text>`,
        `<text x="10" y="38" fill="#555">${escapeXml(`${m.cpus} CPUs, ${m.cpuModel}, QEMU ${m.accel.toUpperCase()}, ${report.settings.runs} boots each`)}</text>`,
    ];
    panels.forEach((panel, p) => {
        const top = header + p * (panelHeight + panelGap);
        out.push(
            `<text x="10" y="${top + 14}" font-weight="bold">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`,
        );
        const values = report.results.map((r) => panel.value(r));
        const highs = report.results.map((r, i) => (panel.range ? panel.range(r)[1] : (values[i] ?? 0)));
        const max = Math.max(1e-9, ...highs.filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
        report.results.forEach((r, i) => {
            const y = top + 22 + i * (barHeight + 6);
            const value = values[i];
            out.push(`<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end">${escapeXml(r.name)}</text>`);
            if (value === null || !Number.isFinite(value)) {
                out.push(`<text x="${labelWidth + 4}" y="${y + 13}" fill="#888">not measured</text>`);
                return;
            }
            const w = Math.max(1, (value / max) * barArea);
            out.push(
                `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[i % COLORS.length]}"/>`,
            );
            if (panel.range) {
                const [lo, hi] = panel.range(r).map((v) => labelWidth + (v / max) * barArea);
                const mid = y + barHeight / 2;
                out.push(
                    `<line x1="${lo.toFixed(1)}" y1="${mid}" x2="${hi.toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
                );
                out.push(
                    `<line x1="${lo.toFixed(1)}" y1="${y + 3}" x2="${lo.toFixed(1)}" y2="${y + barHeight - 3}" stroke="#222"/>`,
                );
                out.push(
                    `<line x1="${hi.toFixed(1)}" y1="${y + 3}" x2="${hi.toFixed(1)}" y2="${y + barHeight - 3}" stroke="#222"/>`,
                );
            }
            const labelX = labelWidth + Math.max(w, panel.range ? (panel.range(r)[1] / max) * barArea : 0) + 6;
            out.push(`<text x="${labelX.toFixed(1)}" y="${y + 13}">${escapeXml(number(value))}</text>`);
        });
    });
    out.push("</svg>");
    return `${out.join("\n")}\n`;
}
