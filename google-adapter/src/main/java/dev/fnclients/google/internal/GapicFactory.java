package dev.fnclients.google.internal;

import com.google.api.gax.core.BackgroundResource;
import com.google.api.gax.rpc.ClientSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * How a GAPIC client class is built: every generated client has {@code public static XClient
 * create(XSettings settings)}, and every generated settings class {@code public static
 * XSettings.Builder newBuilder()}. Found once per client, when it is first built.
 *
 * @param create the client's {@code create(XSettings)}
 */
public record GapicFactory<C extends BackgroundResource>(Class<C> client, Method create) {

  /**
   * Finds {@code client}'s factory method.
   *
   * @throws IllegalArgumentException when {@code client} is not a GAPIC client
   */
  public static <C extends BackgroundResource> GapicFactory<C> of(Class<C> client) {
    for (Method m : client.getMethods()) {
      if (m.getName().equals("create")
          && Modifier.isStatic(m.getModifiers())
          && m.getParameterCount() == 1
          && ClientSettings.class.isAssignableFrom(m.getParameterTypes()[0])
          && client.isAssignableFrom(m.getReturnType())) {
        return new GapicFactory<>(client, m);
      }
    }
    throw new IllegalArgumentException(
        client.getName()
            + " is not a GAPIC client: it has no public static create(...Settings) method. "
            + "For other clients use FnClients.shared(type, factory)");
  }

  /** The settings class {@code create} takes. */
  public Class<?> settingsClass() {
    return create.getParameterTypes()[0];
  }

  /** A builder with the settings class's defaults. */
  public ClientSettings.Builder<?, ?> defaultSettings() {
    try {
      return (ClientSettings.Builder<?, ?>) settingsClass().getMethod("newBuilder").invoke(null);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException(
          settingsClass().getName() + " has no public static newBuilder()", unwrap(e));
    }
  }

  /**
   * Builds the client from {@code settings}.
   *
   * @throws IllegalArgumentException when {@code settings} are not the client's settings class
   * @throws UncheckedIOException when the client cannot be built (e.g. no credentials found)
   */
  public C create(ClientSettings<?> settings) {
    if (!settingsClass().isInstance(settings)) {
      throw new IllegalArgumentException(
          client.getName()
              + " is built from "
              + settingsClass().getName()
              + ", but the settings given build "
              + settings.getClass().getName());
    }
    try {
      return client.cast(create.invoke(null, settings));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(
            "could not build " + client.getSimpleName() + ": " + io.getMessage(), io);
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("could not build " + client.getSimpleName(), cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("could not build " + client.getSimpleName(), e);
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof InvocationTargetException ite && ite.getCause() != null
        ? ite.getCause()
        : e;
  }
}
