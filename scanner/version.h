/* version.h - the release version. */
#ifndef KS_VERSION_H
#define KS_VERSION_H
#define KS_VERSION "0.1.0"
#endif
