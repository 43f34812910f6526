/*
 * array_format.h -- constants of the array message format (docs/messages.md;
 * the message is a slot's payload, not part of the segment layout).
 */
#ifndef SHMRING_ARRAY_FORMAT_H
#define SHMRING_ARRAY_FORMAT_H

#define SHM_ARRAY_MAGIC "SHMA"       /* bytes 0..3 */
#define SHM_ARRAY_FIXED_BYTES 32u    /* the fields before the shape */
#define SHM_ARRAY_DATA_ALIGN 64u     /* elements start on this boundary of the slot */

#endif /* SHMRING_ARRAY_FORMAT_H */
