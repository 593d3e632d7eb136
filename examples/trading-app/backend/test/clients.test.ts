import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { awsClientConfig, sharedDocumentClient, sharedSecretsClient } from '../src/lib/clients';

describe('AWS client configuration', () => {
  it('uses AWS_ENDPOINT_URL and AWS_REGION (local AWS)', () => {
    const config = awsClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5124', AWS_REGION: 'eu-central-1' }, 'DYNAMODB');
    assert.equal(config.endpoint, 'http://127.0.0.1:5124');
    assert.equal(config.region, 'eu-central-1');
  });

  it('prefers the per-service endpoint, then AWS_DEFAULT_REGION', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://general',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://secrets',
      AWS_DEFAULT_REGION: 'us-west-2',
    };
    assert.equal(awsClientConfig(env, 'SECRETS_MANAGER').endpoint, 'http://secrets');
    assert.equal(awsClientConfig(env, 'DYNAMODB').endpoint, 'http://general');
    assert.equal(awsClientConfig(env, 'DYNAMODB').region, 'us-west-2');
  });

  it('sets no endpoint on real AWS, and bounded timeouts and retries', () => {
    const config = awsClientConfig({ AWS_REGION: 'us-east-1' }, 'DYNAMODB');
    assert.equal('endpoint' in config, false);
    assert.deepEqual(config.requestHandler, { connectionTimeout: 1000, requestTimeout: 3000 });
    assert.equal(config.maxAttempts, 3);
  });

  it('creates each client once per container', () => {
    process.env.AWS_REGION ??= 'us-east-1';
    // Node 20 (the Lambda runtime here) gets a once-per-process SDK notice; keep test output clean.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    assert.equal(sharedDocumentClient(), sharedDocumentClient());
    assert.equal(sharedSecretsClient(), sharedSecretsClient());
  });
});
