package dev.fnclients.http.internal;

/**
 * What one attempt of a call did, carried from the application interceptor to the network
 * interceptor as a request tag: whether the request reached the point of being written.
 */
final class Attempt {
  volatile boolean sendStarted;
}
