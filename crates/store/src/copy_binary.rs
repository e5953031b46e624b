//! PostgreSQL's binary `COPY` format (see the `COPY` reference, "Binary Format"): how
//! boundary versions are written, the fastest way in, with no escaping.

/// Signature, flags (none) and header extension length (none).
pub fn header() -> Vec<u8> {
    let mut data = b"PGCOPY\n\xff\r\n\0".to_vec();
    data.extend(0_i32.to_be_bytes());
    data.extend(0_i32.to_be_bytes());
    data
}

/// One tuple: the field count, then each field's length (−1 for NULL) and bytes.
pub fn row(data: &mut Vec<u8>, fields: &[Option<&[u8]>]) {
    data.extend(
        i16::try_from(fields.len())
            .unwrap_or(i16::MAX)
            .to_be_bytes(),
    );
    for field in fields {
        match field {
            None => data.extend((-1_i32).to_be_bytes()),
            Some(bytes) => {
                data.extend(i32::try_from(bytes.len()).unwrap_or(i32::MAX).to_be_bytes());
                data.extend_from_slice(bytes);
            }
        }
    }
}

/// The end-of-data marker.
pub fn trailer(data: &mut Vec<u8>) {
    data.extend((-1_i16).to_be_bytes());
}

/// A `timestamptz`: microseconds since 2000-01-01 00:00 UTC.
pub fn timestamptz(at: chrono::DateTime<chrono::Utc>) -> [u8; 8] {
    const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;
    (at.timestamp_micros() - POSTGRES_EPOCH_MICROS).to_be_bytes()
}
