/**
 * A month of the AWS deployment for a traffic profile, next to what Rekognition's face APIs would
 * charge for the same traffic. Every price comes from prices.ts (list prices to verify); every
 * usage figure not simulated is an input of the profile, so the assumptions are visible.
 */
import { HOURS_PER_MONTH, PRICES, rekognitionGroup1Usd } from './prices.js';
import { SimInputError, simulate, type Arrival, type SimResult } from './simulate.js';
import { DEFAULT_PER_INSTANCE_IPS, DEFAULT_POLICY, type ScalingPolicy } from './policy.js';

export interface TrafficProfile {
  name: string;
  /** Albums uploaded in the month, spread evenly over it. */
  albums: number;
  imagesPerAlbum: number;
  /** Faces indexed per photo (assumption; group photos raise it). */
  facesPerImage: number;
  /** Guest selfie searches in the month. */
  selfieSearches: number;
  /** Average stored photo size, MB. */
  averagePhotoMb: number;
}

/** 50 albums × 10,000 photos = 500,000 photos a month: $500 at Rekognition's $1 per 1,000. */
export const EXAMPLE_PROFILE: TrafficProfile = {
  name: 'example: 50 albums of 10,000 photos a month',
  albums: 50,
  imagesPerAlbum: 10_000,
  facesPerImage: 3,
  selfieSearches: 20_000,
  averagePhotoMb: 4,
};

export interface CostLine {
  item: string;
  usd: number;
  basis: string;
}

export interface MonthlyCost {
  profile: TrafficProfile;
  photos: number;
  lines: CostLine[];
  total: number;
  /** Total ÷ thousands of photos: the fixed costs spread over this month's photos. */
  per1000Photos: number;
  /** Only what grows with photos (workers above the base, S3, SQS), per 1,000 photos. */
  marginalPer1000Photos: number;
  rekognition: CostLine[];
  rekognitionTotal: number;
  sim: SimResult;
}

export function validateProfile(p: TrafficProfile): void {
  const positive = (v: number, name: string, integer = false) => {
    if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) throw new SimInputError(`profile.${name} must be a ${integer ? 'whole ' : ''}number >= 0`);
  };
  positive(p.albums, 'albums', true);
  positive(p.imagesPerAlbum, 'imagesPerAlbum', true);
  positive(p.facesPerImage, 'facesPerImage');
  positive(p.selfieSearches, 'selfieSearches', true);
  positive(p.averagePhotoMb, 'averagePhotoMb');
}

/** The profile's albums, evenly spaced over the month, the first at the start. */
export function profileArrivals(p: TrafficProfile): Arrival[] {
  const spacing = (HOURS_PER_MONTH * 3600) / Math.max(1, p.albums);
  return Array.from({ length: p.albums }, (_, i) => ({ atSeconds: Math.round(i * spacing), images: p.imagesPerAlbum, label: `album ${i + 1}` }));
}

function fixedLines(policy: ScalingPolicy): CostLine[] {
  const h = HOURS_PER_MONTH;
  const gatewayTaskHour = 2 * PRICES.fargateVcpuHour + 4 * PRICES.fargateGbHour;
  const alarms = 3 + 2; // DLQ, oldest age, 5xx + the two scaling alarms
  return [
    { item: 'gateway (Fargate, 2 tasks × 2 vCPU / 4 GB)', usd: 2 * gatewayTaskHour * h, basis: `2 × $${gatewayTaskHour.toFixed(4)}/h × ${h} h` },
    { item: 'load balancer (ALB + 1 LCU)', usd: (PRICES.albHour + PRICES.albLcuHour) * h, basis: 'assumes ≤ 1 LCU on average' },
    { item: 'NAT gateway (hours only)', usd: PRICES.natHour * h, basis: 'data processing $0.045/GB not included' },
    { item: 'public IPv4 addresses (3)', usd: 3 * PRICES.publicIpv4Hour * h, basis: 'ALB in 2 AZs + NAT' },
    { item: 'RDS Postgres db.t4g.medium + 50 GB gp3', usd: PRICES.rdsHour * h + 50 * PRICES.rdsGbMonth, basis: 'single-AZ; Multi-AZ doubles it' },
    { item: 'Secrets Manager (3 secrets)', usd: 3 * PRICES.secretMonth, basis: 'DB, Pinecone, server key' },
    { item: `CloudWatch (${alarms} alarms + dashboard)`, usd: alarms * PRICES.alarmMonth + PRICES.dashboardMonth, basis: 'logs not included' },
    { item: 'Pinecone', usd: PRICES.pineconeMonth, basis: 'assumed plan minimum' },
    { item: `worker base (${policy.onDemandBase} on-demand c6i.2xlarge, always on)`, usd: 0, basis: 'counted with the simulated fleet below' },
  ];
}

export function monthlyCost(profile: TrafficProfile, options: { perInstanceIps?: number; policy?: ScalingPolicy } = {}): MonthlyCost {
  validateProfile(profile);
  const policy = options.policy ?? DEFAULT_POLICY;
  const sim = simulate({
    arrivals: profileArrivals(profile),
    perInstanceIps: options.perInstanceIps ?? DEFAULT_PER_INSTANCE_IPS,
    durationSeconds: HOURS_PER_MONTH * 3600,
    policy,
    sampleEverySeconds: 3600,
  });
  const photos = profile.albums * profile.imagesPerAlbum;
  const onDemandHours = sim.onDemandSeconds / 3600;
  const spotHours = sim.spotSeconds / 3600;
  const storedGb = (photos * profile.averagePhotoMb) / 1024;
  const variable: CostLine[] = [
    { item: 'workers on-demand (c6i.2xlarge)', usd: onDemandHours * PRICES.workerOnDemandHour, basis: `${onDemandHours.toFixed(1)} h × $${PRICES.workerOnDemandHour}/h` },
    { item: 'workers spot (c6i.2xlarge)', usd: spotHours * PRICES.workerSpotHour, basis: `${spotHours.toFixed(1)} h × $${PRICES.workerSpotHour}/h (assumed spot price)` },
    { item: "S3 storage (this month's photos, one month)", usd: storedGb * PRICES.s3GbMonth, basis: `${storedGb.toFixed(0)} GB; grows every month photos are kept` },
    { item: 'S3 requests (1 PUT + 1 GET per photo)', usd: (photos / 1000) * (PRICES.s3PutPer1000 + PRICES.s3GetPer1000), basis: `${photos} photos` },
    { item: 'SQS requests (~4 per photo)', usd: ((photos * 4) / 1e6) * PRICES.sqsPerMillion, basis: 'send, receive, extend, delete' },
  ];
  const lines = [...fixedLines(policy).filter((l) => l.usd > 0), ...variable];
  const total = sum(lines);
  const marginal = sum(variable) - onDemandHours * PRICES.workerOnDemandHour;
  const faces = photos * profile.facesPerImage;
  // Both calls share the Group 1 volume tiers; each line gets its share of the tiered total.
  const group1 = rekognitionGroup1Usd(photos + profile.selfieSearches);
  const share = (n: number) => (photos + profile.selfieSearches === 0 ? 0 : (group1 * n) / (photos + profile.selfieSearches));
  const rekognition: CostLine[] = [
    { item: 'IndexFaces', usd: share(photos), basis: `${photos} images, $${PRICES.rekognitionPer1000Images}/1,000 for the first 1M, less above` },
    { item: 'SearchFacesByImage (selfies)', usd: share(profile.selfieSearches), basis: `${profile.selfieSearches} searches` },
    { item: "face storage (this month's faces, one month)", usd: (faces / 1000) * PRICES.rekognitionPer1000FacesMonth, basis: `${faces} faces × $${PRICES.rekognitionPer1000FacesMonth}/1,000/month; grows` },
  ];
  const thousands = Math.max(photos, 1) / 1000;
  return { profile, photos, lines, total, per1000Photos: total / thousands, marginalPer1000Photos: marginal / thousands, rekognition, rekognitionTotal: sum(rekognition), sim };
}

function sum(lines: CostLine[]): number {
  return lines.reduce((s, l) => s + l.usd, 0);
}

/** Reads a profile from JSON text; missing fields take the example profile's values. */
export function parseProfile(text: string): TrafficProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SimInputError(`profile is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SimInputError('profile must be a JSON object');
  const known = new Set(Object.keys(EXAMPLE_PROFILE));
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new SimInputError(`unknown profile field(s): ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  const merged = { ...EXAMPLE_PROFILE, ...(raw as Partial<TrafficProfile>) };
  if (typeof merged.name !== 'string') throw new SimInputError('profile.name must be a string');
  validateProfile(merged);
  return merged;
}
