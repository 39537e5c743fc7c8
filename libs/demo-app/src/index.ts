export { startDemoApp, type DemoApp, type DemoAppOptions, type DemoDatabase } from './demo-app';
export { HOT_SKU, RECENT_ORDERS } from './databases';
