/** A JSON value: what payloads and results are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
