import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  ChartOptions,
  Filler,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { Bar, Line } from 'react-chartjs-2';
import { money } from '../lib/format';

ChartJS.register(
  CategoryScale,
  LinearScale,
  PointElement,
  LineElement,
  BarElement,
  Filler,
  Tooltip,
  Legend,
);

/** One named series of numbers, aligned with the chart's `labels`. */
export interface Series {
  label: string;
  data: (number | null)[];
  /** CSS color; defaults to the palette in order. */
  color?: string;
}

const palette = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#64748b'];

interface ChartProps {
  labels: string[];
  series: Series[];
  /** Pixel height; width follows the container. */
  height?: number;
  /** Unit for the y axis ticks and tooltips, e.g. 'GPU-h' or '$'. */
  unit?: string;
  stacked?: boolean;
  ariaLabel?: string;
}

function options(props: ChartProps): ChartOptions<'line' | 'bar'> {
  const unit = props.unit;
  const fmt = (v: number | string) =>
    unit === '$' ? money(Number(v)) : `${Number(v).toLocaleString()}${unit ? ` ${unit}` : ''}`;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { display: props.series.length > 1, position: 'bottom', labels: { boxWidth: 10 } },
      tooltip: {
        callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y ?? 0)}` },
      },
    },
    scales: {
      x: { stacked: props.stacked, grid: { display: false }, ticks: { maxTicksLimit: 8 } },
      y: {
        stacked: props.stacked,
        beginAtZero: true,
        grid: { color: 'rgba(127,127,127,0.15)' },
        ticks: { callback: (v) => fmt(v), maxTicksLimit: 6 },
      },
    },
  };
}

/**
 * @example
 *   <LineChart labels={['Mon', 'Tue']} series={[{ label: 'GPU-hours', data: [3, 5] }]} unit="h" />
 */
export function LineChart(props: ChartProps) {
  const data = {
    labels: props.labels,
    datasets: props.series.map((s, i) => {
      const color = s.color ?? palette[i % palette.length];
      return {
        label: s.label,
        data: s.data,
        borderColor: color,
        backgroundColor: `${color}22`,
        fill: props.series.length === 1,
        tension: 0.3,
        pointRadius: 0,
        borderWidth: 2,
      };
    }),
  };
  return (
    <div
      className="chart"
      style={{ height: props.height ?? 240 }}
      role="img"
      aria-label={props.ariaLabel}
    >
      <Line data={data} options={options(props) as ChartOptions<'line'>} />
    </div>
  );
}

/**
 * @example
 *   <BarChart labels={zones} series={[{ label: 'Nodes', data: counts }]} stacked />
 */
export function BarChart(props: ChartProps) {
  const data = {
    labels: props.labels,
    datasets: props.series.map((s, i) => ({
      label: s.label,
      data: s.data,
      backgroundColor: s.color ?? palette[i % palette.length],
      borderRadius: 3,
      maxBarThickness: 36,
    })),
  };
  return (
    <div
      className="chart"
      style={{ height: props.height ?? 240 }}
      role="img"
      aria-label={props.ariaLabel}
    >
      <Bar data={data} options={options(props) as ChartOptions<'bar'>} />
    </div>
  );
}
