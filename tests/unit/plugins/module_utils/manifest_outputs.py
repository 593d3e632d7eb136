"""Terraform outputs of a complete environment, shaped as the example infrastructure outputs them."""

CREDENTIALS = ["binance", "coinbase", "kraken", "okx", "bsdex", "bison", "finoa", "bybit", "gemini", "openai", "deepseek"]
ACCOUNT = "123456789012"


def function(logical, category, secrets=()):
    name = "acinaces-test-%s" % logical.replace("_", "-")
    return {
        "function_name": name,
        "function_arn": "arn:aws:lambda:eu-central-1:%s:function:%s" % (ACCOUNT, name),
        "category": category,
        "handler": "%s.handler" % logical.replace("_", "-"),
        "alias": "live",
        "route": "/%s" % logical.replace("_", "-"),
        "log_group": "/aws/lambda/%s" % name,
        "secrets": list(secrets),
    }


def valid_outputs():
    return {
        "environment": "test",
        "region": "eu-central-1",
        "name_prefix": "acinaces-test",
        "api_id": "a1b2c3d4e5",
        "api_endpoint": "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/live",
        "api_stage": "live",
        "api_domain": "api.test.trading.example.com",
        "api_domain_target": "d-abc123.execute-api.eu-central-1.amazonaws.com",
        "lambda_functions": {
            "health": function("health", "system", CREDENTIALS),
            "strategies": function("strategies", "strategies", ["binance", "gemini"]),
            "audit_log": function("audit_log", "audit"),
        },
        "deployment_bucket": "acinaces-test-deployment",
        "frontend_bucket": "acinaces-test-frontend",
        "cloudfront_distribution_id": "E2ABCDEF123456",
        "cloudfront_domain_name": "d111111abcdef8.cloudfront.net",
        "frontend_domain": "test.trading.example.com",
        "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
        "hosted_zone_name": "test.trading.example.com",
        "certificate_arns": {
            "frontend": "arn:aws:acm:us-east-1:%s:certificate/11111111-2222-3333-4444-555555555555" % ACCOUNT,
            "api": "arn:aws:acm:eu-central-1:%s:certificate/66666666-2222-3333-4444-555555555555" % ACCOUNT,
        },
        "secret_arns": {
            name: "arn:aws:secretsmanager:eu-central-1:%s:secret:acinaces-test/%s-AbCdEf" % (ACCOUNT, name)
            for name in CREDENTIALS
        },
        "kms_key_arn": "arn:aws:kms:eu-central-1:%s:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" % ACCOUNT,
        "kms_key_alias": "alias/acinaces-test-secrets",
        "dynamodb_tables": {"strategies": "acinaces-test-strategies", "audit_log": "acinaces-test-audit-log"},
        "redis_endpoint": "redis.internal.example.com:6379",
        "timestream_database": "acinaces-test-market",
        "timestream_tables": ["prices", "trades"],
        "dashboards": ["acinaces-test-overview"],
        "alarms": ["acinaces-test-api-5xx", "acinaces-test-health-errors"],
        "sns_topics": {"alerts": "arn:aws:sns:eu-central-1:%s:acinaces-test-alerts" % ACCOUNT},
        "log_groups": {"health": "/aws/lambda/acinaces-test-health", "api": "/aws/apigateway/acinaces-test"},
        "xray_group": "acinaces-test",
        "alert_queue_url": "https://sqs.eu-central-1.amazonaws.com/%s/acinaces-test-alerts-audit" % ACCOUNT,
    }
