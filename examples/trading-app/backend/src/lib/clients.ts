// AWS SDK v3 clients, created once per container (module scope, on first use) and reused by
// every later invocation. They honour the standard environment: AWS_REGION (or
// AWS_DEFAULT_REGION), AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_<SERVICE>, so the
// same bundle talks to real AWS or to a local emulator (moto).

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import type { Env } from './config';

/** What the handlers need of a client: `send`. Tests inject objects with a fake `send`. */
export type DocumentClient = Pick<DynamoDBDocumentClient, 'send'>;
export type SecretsClient = Pick<SecretsManagerClient, 'send'>;

export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

/** `service` is the suffix of the per-service endpoint variable: DYNAMODB, SECRETS_MANAGER. */
export function awsClientConfig(env: Env, service: 'DYNAMODB' | 'SECRETS_MANAGER'): AwsClientConfig {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    // Short timeouts: the functions run 10 s at most and the health check answers in ~2 s.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
  };
}

let documentClient: DynamoDBDocumentClient | undefined;
let secretsClient: SecretsManagerClient | undefined;

export function sharedDocumentClient(): DocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(process.env, 'DYNAMODB')), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sharedSecretsClient(): SecretsClient {
  secretsClient ??= new SecretsManagerClient(awsClientConfig(process.env, 'SECRETS_MANAGER'));
  return secretsClient;
}
