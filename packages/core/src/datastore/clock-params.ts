/**
 * Every datastore method takes an optional `now`: an instant (epoch ms) that replaces the
 * database clock inside the statement, as River's `coalesce(@now, now())` does. Production
 * code leaves it out, so that lease expiry and due-ness are judged by the database's own clock;
 * tests pin it.
 */
export interface ClockParams {
  /** Replaces the database clock in this call; tests only. */
  now?: number;
}
