package dev.openaibeam.cloud;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Main class of the separate S3Mock JVM that {@link S3MockServer} starts (classpath: the unpacked
 * S3Mock executable jar plus the test classes). Not run in the test JVM.
 *
 * <p>Why not {@code java -jar s3mock-exec.jar}: S3Mock always adds a plain-HTTP connector with no
 * host, which listens on every interface; tests here may bind to 127.0.0.1 only. This launcher
 * starts the same Spring application and adds, through reflection (Spring is not on the test
 * compile classpath), a Jetty customizer that runs after S3Mock's own and binds every connector to
 * 127.0.0.1. Arguments: {@code <port> <httpPort> <rootDir> <bucket>}; prints {@code S3MOCK READY}.
 */
public final class S3MockLauncher {
  private static final String LOOPBACK = "127.0.0.1";

  private S3MockLauncher() {}

  public static void main(String[] args) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("server.address", LOOPBACK);
    props.put("server.port", Integer.parseInt(args[0]));
    props.put("server.ssl.enabled", false);
    props.put("com.adobe.testing.s3mock.httpPort", Integer.parseInt(args[1]));
    props.put("com.adobe.testing.s3mock.domain.root", args[2]);
    props.put("com.adobe.testing.s3mock.domain.initialBuckets", args[3]);
    props.put("com.adobe.testing.s3mock.domain.retainFilesOnExit", true);
    props.put("logging.level.root", "WARN");
    props.put("spring.main.banner-mode", "off");

    ClassLoader cl = S3MockLauncher.class.getClassLoader();
    Class<?> app = cl.loadClass("com.adobe.testing.s3mock.S3MockApplication");
    Class<?> builderClass = cl.loadClass("org.springframework.boot.builder.SpringApplicationBuilder");
    Class<?> initializerClass = cl.loadClass("org.springframework.context.ApplicationContextInitializer");
    Object builder = builderClass.getConstructor(Class[].class).newInstance((Object) new Class<?>[] {app});
    builderClass.getMethod("properties", Map.class).invoke(builder, props);
    Object initializers = Array.newInstance(initializerClass, 1);
    Array.set(initializers, 0, proxy(initializerClass, S3MockLauncher::onInitialize));
    builderClass.getMethod("initializers", initializers.getClass()).invoke(builder, initializers);
    builderClass.getMethod("run", String[].class).invoke(builder, (Object) new String[0]);
    System.out.println("S3MOCK READY");
    System.out.flush();
  }

  /** ApplicationContextInitializer.initialize(context): register the bean post-processor. */
  private static Object onInitialize(Method m, Object[] a) throws Exception {
    if (!m.getName().equals("initialize")) {
      return null;
    }
    ClassLoader cl = S3MockLauncher.class.getClassLoader();
    Class<?> bppClass = cl.loadClass("org.springframework.beans.factory.config.BeanPostProcessor");
    Object beanFactory = a[0].getClass().getMethod("getBeanFactory").invoke(a[0]);
    Method add = findMethod(beanFactory.getClass(), "addBeanPostProcessor");
    add.invoke(beanFactory, proxy(bppClass, S3MockLauncher::onBean));
    return null;
  }

  /** BeanPostProcessor: adds the loopback customizer to the Jetty factory S3Mock configured. */
  private static Object onBean(Method m, Object[] a) throws Exception {
    Object bean = a[0];
    if (m.getName().equals("postProcessAfterInitialization")
        && bean.getClass().getName().endsWith("JettyServletWebServerFactory")) {
      Class<?> customizerClass =
          S3MockLauncher.class
              .getClassLoader()
              .loadClass("org.springframework.boot.web.embedded.jetty.JettyServerCustomizer");
      Object customizers = Array.newInstance(customizerClass, 1);
      Array.set(customizers, 0, proxy(customizerClass, S3MockLauncher::onServer));
      findMethod(bean.getClass(), "addServerCustomizers").invoke(bean, customizers);
    }
    return bean;
  }

  /** JettyServerCustomizer.customize(server): every ServerConnector listens on 127.0.0.1 only. */
  private static Object onServer(Method m, Object[] a) throws Exception {
    Object[] connectors = (Object[]) a[0].getClass().getMethod("getConnectors").invoke(a[0]);
    for (Object c : connectors) {
      c.getClass().getMethod("setHost", String.class).invoke(c, LOOPBACK);
    }
    return null;
  }

  private interface Handler {
    Object handle(Method m, Object[] args) throws Exception;
  }

  private static Object proxy(Class<?> iface, Handler h) {
    InvocationHandler ih =
        (self, m, args) -> {
          switch (m.getName()) {
            case "hashCode":
              return System.identityHashCode(self);
            case "equals":
              return self == args[0];
            case "toString":
              return "S3MockLauncher$" + iface.getSimpleName();
            default:
              return h.handle(m, args);
          }
        };
    return Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, ih);
  }

  private static Method findMethod(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Method m : c.getMethods()) {
        if (m.getName().equals(name) && m.getParameterCount() == 1) {
          return m;
        }
      }
    }
    throw new IllegalStateException("no method " + name + " on " + type);
  }
}
