/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** Configuration Admin in memory: factory configurations, filtered by factory PID and id only. */
public final class FakeConfigurationAdmin implements ConfigurationAdmin {

    /** The configurations created so far. */
    public final List<Config> configurations = new ArrayList<>();

    /** One configuration; counts its updates. */
    public static final class Config implements Configuration {
        final String factoryPid;
        final String name;
        Hashtable<String, Object> properties;
        public int updates;

        Config(String factoryPid, String name) {
            this.factoryPid = factoryPid;
            this.name = name;
        }

        @Override
        public String getPid() {
            return factoryPid + "~" + name;
        }

        @Override
        public Dictionary<String, Object> getProperties() {
            return properties == null ? null : new Hashtable<>(properties);
        }

        @Override
        public Dictionary<String, Object> getProcessedProperties(ServiceReference<?> reference) {
            return getProperties();
        }

        @Override
        public void update(Dictionary<String, ?> props) {
            Hashtable<String, Object> copy = new Hashtable<>();
            for (var keys = props.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                copy.put(k, props.get(k));
            }
            properties = copy;
            updates++;
        }

        @Override
        public void delete() {
        }

        @Override
        public String getFactoryPid() {
            return factoryPid;
        }

        @Override
        public void update() {
        }

        @Override
        public boolean updateIfDifferent(Dictionary<String, ?> props) {
            update(props);
            return true;
        }

        @Override
        public void setBundleLocation(String location) {
        }

        @Override
        public String getBundleLocation() {
            return null;
        }

        @Override
        public long getChangeCount() {
            return updates;
        }

        @Override
        public void addAttributes(ConfigurationAttribute... attrs) {
        }

        @Override
        public Set<ConfigurationAttribute> getAttributes() {
            return Set.of();
        }

        @Override
        public void removeAttributes(ConfigurationAttribute... attrs) {
        }
    }

    /** Adds a factory configuration with these properties (as a device file would). */
    public Config add(String factoryPid, String name, Hashtable<String, Object> props) {
        Config c = new Config(factoryPid, name);
        c.properties = props;
        configurations.add(c);
        return c;
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid) {
        return getFactoryConfiguration(factoryPid, "generated" + configurations.size());
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid, String location) {
        return createFactoryConfiguration(factoryPid);
    }

    @Override
    public Configuration getConfiguration(String pid, String location) {
        throw new UnsupportedOperationException("not used");
    }

    @Override
    public Configuration getConfiguration(String pid) {
        throw new UnsupportedOperationException("not used");
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name, String location) {
        return getFactoryConfiguration(factoryPid, name);
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name) {
        for (Config c : configurations) {
            if (c.factoryPid.equals(factoryPid) && c.name.equals(name)) {
                return c;
            }
        }
        Config c = new Config(factoryPid, name);
        configurations.add(c);
        return c;
    }

    /** Understands exactly the filters Control uses: (service.pid=P), and (&(service.factoryPid=P)(id=I)). */
    @Override
    public Configuration[] listConfigurations(String filter) {
        var byPid = java.util.regex.Pattern.compile("\\(service\\.pid=([^)]*)\\)").matcher(filter);
        if (byPid.matches()) {
            for (Config c : configurations) {
                if (c.getPid().equals(byPid.group(1)) && c.properties != null) {
                    return new Configuration[] {c};
                }
            }
            return null;
        }
        var m = java.util.regex.Pattern.compile("\\(&\\(service\\.factoryPid=([^)]*)\\)\\(id=([^)]*)\\)\\)").matcher(filter);
        if (!m.matches()) {
            throw new IllegalArgumentException("unexpected filter " + filter);
        }
        List<Configuration> found = new ArrayList<>();
        for (Config c : configurations) {
            if (c.factoryPid.equals(m.group(1)) && c.properties != null && m.group(2).equals(c.properties.get("id"))) {
                found.add(c);
            }
        }
        return found.isEmpty() ? null : found.toArray(Configuration[]::new);
    }
}
