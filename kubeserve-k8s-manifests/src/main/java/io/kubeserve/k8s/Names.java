package io.kubeserve.k8s;

import java.util.regex.Pattern;

/** Kubernetes name rules the API server enforces in Go, which the JSON schemas cannot check. */
final class Names {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int LABEL_MAX = 63;
    private static final int SUBDOMAIN_MAX = 253;

    private Names() {
    }

    /**
     * The workload name also names the Service, and Service names follow DNS-1035 (a letter first),
     * which is stricter than the DNS-1123 label rule for Deployments; checking the stricter rule up
     * front keeps one name valid for every generated kind.
     */
    static String requireWorkloadName(String field, String value) {
        requireDns1123Label(field, value);
        if (!DNS_1035_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " '" + value
                    + "' must start with a lowercase letter, because it also names the Service (DNS-1035 label)");
        }
        return value;
    }

    static String requireDns1123Label(String field, String value) {
        requireText(field, value);
        if (value.length() > LABEL_MAX) {
            throw new IllegalArgumentException(field + " '" + value + "' is " + value.length()
                    + " characters long; a DNS-1123 label has at most " + LABEL_MAX);
        }
        if (!DNS_1123_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " '" + value + "' is not a valid DNS-1123 label: use lowercase"
                    + " letters, digits and '-', starting and ending with a letter or digit");
        }
        return value;
    }

    static String requireDns1123Subdomain(String field, String value) {
        requireText(field, value);
        if (value.length() > SUBDOMAIN_MAX || !DNS_1123_SUBDOMAIN.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " '" + value + "' is not a valid DNS-1123 subdomain: use"
                    + " lowercase letters, digits, '-' and '.', at most " + SUBDOMAIN_MAX + " characters");
        }
        return value;
    }

    static String requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }
}
