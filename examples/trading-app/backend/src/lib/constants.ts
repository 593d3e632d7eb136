// Names shared by the handlers.

export const EXCHANGES = ['binance', 'coinbase', 'kraken', 'okx', 'bsdex', 'bison', 'finoa', 'bybit'] as const;
export type Exchange = (typeof EXCHANGES)[number];

export const AI_PROVIDERS = ['gemini', 'openai', 'deepseek'] as const;

/** Redis channel announcing subscription changes, and the key of one subscription. */
export const SUBSCRIPTIONS_CHANNEL = 'market-data:subscriptions';
export const subscriptionKey = (id: string): string => `market-data:subscription:${id}`;
