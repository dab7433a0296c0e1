export { simulate, validateOptions, SimInputError, type Arrival, type SimOptions, type SimResult, type Sample, type AlbumResult, type InstanceRecord, type ScalingEvent } from './simulate.js';
export { DEFAULT_POLICY, DEFAULT_PER_INSTANCE_IPS, type ScalingPolicy, type ScalingStep } from './policy.js';
export { PRICES, PRICES_AS_OF, HOURS_PER_MONTH, REKOGNITION_GROUP1_TIERS, rekognitionGroup1Usd } from './prices.js';
export { monthlyCost, parseProfile, profileArrivals, validateProfile, EXAMPLE_PROFILE, type TrafficProfile, type MonthlyCost, type CostLine } from './cost.js';
export { parseArrivals, DEFAULT_ARRIVALS } from './arrivals.js';
export { formatTimeline, formatAlbums, formatFleet, formatMonthlyCost, clock } from './report.js';
