import type { CredentialStatus } from "@/lib/api";

/** AI credential names as the health answer reports them ("ai/openai", "openai", "anthropic", ...). */
export function isAiCredential(name: string): boolean {
  return /^ai[/:_-]/i.test(name) || /(openai|anthropic|bedrock|gemini|mistral)/i.test(name);
}

/**
 * The AI assistant panel, rendered only when NEXT_PUBLIC_FEATURE_AI_ASSISTANT is true. It tells
 * whether the assistant can work: the backend must be able to read an AI provider credential.
 */
export function AiAssistantPanel({ credentials }: { credentials: CredentialStatus[] | "loading" | "unavailable" }) {
  const ai = Array.isArray(credentials) ? credentials.filter((c) => isAiCredential(c.name)) : [];
  const ready = ai.some((c) => c.readable);
  return (
    <section className="card ai-panel" aria-labelledby="ai-title">
      <h2 id="ai-title">AI assistant</h2>
      <p>
        The assistant reviews strategy parameters and risk limits and explains market moves. Its suggestions are
        recorded in the audit log; it never places orders itself.
      </p>
      {credentials === "loading" ? (
        <p className="muted">Waiting for the API health answer…</p>
      ) : credentials === "unavailable" ? (
        <p className="muted">Status unknown: the API health answer is not available.</p>
      ) : ai.length === 0 ? (
        <p className="muted">The API reports no AI provider credential.</p>
      ) : (
        <p>
          Status:{" "}
          <span className={ready ? "pill pill-ok" : "pill pill-bad"}>{ready ? "ready" : "credentials unreadable"}</span>{" "}
          <span className="muted">({ai.map((c) => c.name).join(", ")})</span>
        </p>
      )}
    </section>
  );
}
