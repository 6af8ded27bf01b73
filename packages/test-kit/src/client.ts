import pg from 'pg';

/**
 * Runs `fn` with a client of its own on `url`, ended afterwards: for what needs one session (an advisory
 * lock and its unlock) or runs where the workers' pool is not (the global setup and teardown).
 */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
