// The stored entities (one DynamoDB table each, hash key "id").

import type { ParameterSpec, ParameterValue } from './parameters';

interface Stored {
  [key: string]: unknown;
  id: string;
  /** The run (X-Run-Id header or body runId) that wrote the item, when there was one. */
  runId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface StrategyTemplate extends Stored {
  name: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
}

export interface Strategy extends Stored {
  templateId: string;
  name: string;
  parameters: Record<string, ParameterValue>;
}

export interface RiskProfile extends Stored {
  maxPositionSize: number;
  maxDailyLoss: number;
  maxLeverage: number;
}

export interface MarketSubscription extends Stored {
  exchange: string;
  symbol: string;
}
