import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';

/** The demo's own database on the local servers; created if missing. */
export const DEMO_DATABASE = 'meridian_demo';
export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432';
export const LOCAL_MARIADB = 'mysql://root@127.0.0.1:3306';
/** SKU the restock job keeps locking: reservations of it wait for the lock. */
export const HOT_SKU = 'SKU-0001';
export const PRODUCTS = 200;
export const ORDERS = 500;
/** Orders listed by GET /orders/recent, each followed by one query for its items: the N+1. */
export const RECENT_ORDERS = 50;

const SEED_LOCK = 7_392_104; // advisory lock id: demo apps started at once seed one at a time

/**
 * Opens the demo database on the local PostgreSQL (creating it), or returns undefined when no
 * server answers there with the default trust login. Schema and data are created idempotently.
 */
export async function prepareLocalPostgres(): Promise<string | undefined> {
  const admin = new Client({ connectionString: `${LOCAL_POSTGRES}/postgres`, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO_DATABASE]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04' && e.code !== '23505') throw e; // created meanwhile by another demo app
      });
    }
  } finally {
    await admin.end();
  }
  const url = `${LOCAL_POSTGRES}/${DEMO_DATABASE}`;
  await seedPostgres(url);
  return url;
}

/** Creates and fills the demo tables (products, orders and their items, reviews, stock). */
export async function seedPostgres(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [SEED_LOCK]);
    await c.query(`
      CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, sku text UNIQUE NOT NULL, name text NOT NULL, price_cents int NOT NULL);
      CREATE TABLE IF NOT EXISTS reviews (id int PRIMARY KEY, product_id int NOT NULL, stars int NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX IF NOT EXISTS reviews_product ON reviews (product_id);
      CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS order_items (order_id int NOT NULL, product_id int NOT NULL, qty int NOT NULL, PRIMARY KEY (order_id, product_id));
      CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, available int NOT NULL, reserved int NOT NULL DEFAULT 0);
    `);
    await c.query(
      `INSERT INTO products SELECT i, 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i, 100 + (i * 37) % 9900 FROM generate_series(1, $1) i ON CONFLICT DO NOTHING`,
      [PRODUCTS],
    );
    await c.query(`INSERT INTO reviews SELECT i, 1 + i % $1, 1 + i % 5, 'review ' || i FROM generate_series(1, $1 * 3) i ON CONFLICT DO NOTHING`, [PRODUCTS]);
    await c.query(`INSERT INTO orders SELECT i, 'customer-' || (i % 97) FROM generate_series(1, $1) i ON CONFLICT DO NOTHING`, [ORDERS]);
    await c.query(
      `INSERT INTO order_items SELECT o, 1 + (o * 7 + k * 13) % $2, 1 + k FROM generate_series(1, $1) o, generate_series(0, 2) k ON CONFLICT DO NOTHING`,
      [ORDERS, PRODUCTS],
    );
    await c.query(`INSERT INTO stock SELECT sku, 1000 FROM products ON CONFLICT DO NOTHING`);
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => undefined);
    await c.end();
  }
}

/** The demo database on the local MariaDB/MySQL, or undefined when none answers with root and no password. */
export async function prepareLocalMariadb(): Promise<string | undefined> {
  let c;
  try {
    c = await createConnection({ uri: LOCAL_MARIADB, connectTimeout: 2_000 });
  } catch {
    return undefined;
  }
  try {
    await c.query(`CREATE DATABASE IF NOT EXISTS ${DEMO_DATABASE}`);
    await c.query(`USE ${DEMO_DATABASE}`);
    await c.query(`SELECT GET_LOCK('meridian_demo_seed', 30)`);
    await c.query(`CREATE TABLE IF NOT EXISTS customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, tier VARCHAR(20) NOT NULL) ENGINE=InnoDB`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS carts (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, INDEX (customer_id)) ENGINE=InnoDB`,
    );
    const rows = Array.from({ length: 100 }, (_, i) => [i + 1, `customer-${i + 1}`, ['gold', 'silver', 'bronze'][i % 3]]);
    await c.query('INSERT IGNORE INTO customers (id, name, tier) VALUES ?', [rows]);
    await c.query(`SELECT RELEASE_LOCK('meridian_demo_seed')`);
  } finally {
    await c.end();
  }
  return `${LOCAL_MARIADB}/${DEMO_DATABASE}`;
}
