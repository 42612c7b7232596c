/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition format, version 0.0.4 (what node_exporter's
 * textfile collector and every Prometheus server read): the pieces whose
 * escaping matters, unit-tested.
 */
#ifndef NSISO_PROM_H
#define NSISO_PROM_H

#include <stdio.h>

/*
 * A label value, quotes included: backslash, double quote and line feed
 * escaped as \\ \" \n. The format is UTF-8 and a parser rejects the whole
 * exposition over one value that is not (node_exporter then drops the file):
 * a byte that is not part of valid UTF-8 becomes U+FFFD. User names come
 * from NSS and may hold any byte; the uid label keeps such series apart.
 */
void nsiso_prom_label_value(FILE *f, const char *s);

/* "# HELP NAME TEXT" (TEXT escaped: \\ and \n) and "# TYPE NAME TYPE". */
void nsiso_prom_family(FILE *f, const char *name, const char *type, const char *help);

#endif
