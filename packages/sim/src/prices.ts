/**
 * LIST PRICES TO VERIFY — not measured, not fetched: AWS public list prices for US East
 * (N. Virginia, us-east-1) as known in 2025, on-demand, Linux, no free tier, no savings plans.
 * The spot price is an assumption (spot prices move; c6i.2xlarge has typically traded at roughly
 * 55–65 % below on-demand). Check https://aws.amazon.com/pricing before quoting any total.
 */
export const PRICES_AS_OF = '2025 list prices, us-east-1 (assumed; verify)';

export const PRICES = {
  /** c6i.2xlarge on-demand, USD per hour. */
  workerOnDemandHour: 0.34,
  /** c6i.2xlarge spot, USD per hour: an assumption (~60 % below on-demand). */
  workerSpotHour: 0.14,
  /** Fargate, per vCPU-hour and per GB-hour (x86). */
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  /** ALB per hour, plus per LCU-hour. */
  albHour: 0.0225,
  albLcuHour: 0.008,
  /** NAT gateway per hour (data processing, $0.045/GB, not included). */
  natHour: 0.045,
  /** Public IPv4 address per hour (ALB nodes in 2 AZs + the NAT gateway = 3). */
  publicIpv4Hour: 0.005,
  /** RDS PostgreSQL db.t4g.medium single-AZ per hour, and gp3 storage per GB-month. */
  rdsHour: 0.065,
  rdsGbMonth: 0.115,
  /** S3 Standard per GB-month; PUT per 1,000; GET per 1,000. */
  s3GbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  /** SQS standard per million requests. */
  sqsPerMillion: 0.4,
  /** Secrets Manager per secret-month. */
  secretMonth: 0.4,
  /** CloudWatch per standard alarm-month, per dashboard-month. */
  alarmMonth: 0.1,
  dashboardMonth: 3,
  /** Pinecone: assumption — the Standard plan's monthly minimum covers this volume (verify at pinecone.io/pricing). */
  pineconeMonth: 50,
  /** Rekognition Group 1 APIs (IndexFaces, SearchFacesByImage, …), first 1M images a month, per 1,000 images. */
  rekognitionPer1000Images: 1.0,
  /** Rekognition face metadata storage per 1,000 faces per month. */
  rekognitionPer1000FacesMonth: 0.01,
} as const;

/**
 * Rekognition Group 1 volume tiers per month (images up to `upTo`, USD per 1,000): list prices
 * to verify. IndexFaces and SearchFacesByImage calls count together.
 */
export const REKOGNITION_GROUP1_TIERS: readonly { upTo: number; per1000: number }[] = [
  { upTo: 1_000_000, per1000: 1.0 },
  { upTo: 5_000_000, per1000: 0.8 },
  { upTo: 35_000_000, per1000: 0.6 },
  { upTo: Number.POSITIVE_INFINITY, per1000: 0.4 },
];

/** What a month of `images` Group 1 calls costs across the tiers. */
export function rekognitionGroup1Usd(images: number): number {
  let usd = 0;
  let from = 0;
  for (const tier of REKOGNITION_GROUP1_TIERS) {
    const inTier = Math.max(0, Math.min(images, tier.upTo) - from);
    usd += (inTier / 1000) * tier.per1000;
    from = tier.upTo;
    if (images <= from) break;
  }
  return usd;
}

export const HOURS_PER_MONTH = 730;
