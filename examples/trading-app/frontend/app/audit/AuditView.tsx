"use client";

import { Loaded, NotConfigured } from "@/components/Status";
import { getConfig } from "@/lib/config";
import { useApiData } from "@/lib/useApi";

/** "2024-05-01T10:00:00Z" -> "2024-05-01 10:00:00 UTC"; other text is shown as it is. */
export function formatTimestamp(value: string | undefined): string {
  if (!value) return "—";
  const time = Date.parse(value);
  if (Number.isNaN(time)) return value;
  return new Date(time).toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

function detailsText(details: unknown): string {
  if (details === undefined || details === null) return "";
  return typeof details === "string" ? details : JSON.stringify(details);
}

export function AuditView() {
  const { apiUrl } = getConfig();
  const entries = useApiData((api, signal) => api.getAuditLog(signal));

  return (
    <>
      <h1>Audit log</h1>
      <p className="note">Every change made through the API, newest first.</p>
      {!apiUrl ? (
        <NotConfigured />
      ) : (
        <section className="card">
          <Loaded state={entries} what="the audit log">
            {(list) =>
              list.length === 0 ? (
                <p className="muted">The audit log is empty.</p>
              ) : (
                <table aria-label="Audit log">
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Action</th>
                      <th scope="col">Target</th>
                      <th scope="col">By</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((entry, index) => (
                      <tr key={entry.id || index}>
                        <td className="num">{formatTimestamp(entry.timestamp)}</td>
                        <td>{entry.action}</td>
                        <td>{entry.target ?? "—"}</td>
                        <td>{entry.actor ?? (entry.runId ? <code>run {entry.runId}</code> : "—")}</td>
                        <td className="mono">{detailsText(entry.details)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
        </section>
      )}
    </>
  );
}
