// knex's CLI configuration for the benchmark: the database and the folder come from the environment.
module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: process.env.KNEX_DIR, loadExtensions: ['.cjs'] },
};
