//! The coordinate reference systems features are served in (OGC API – Features Part 2):
//! CRS84 by default, EPSG:4326 (latitude first, as EPSG defines it), Web Mercator, and the
//! VN-2000 / TM-3 zone of the province (EPSG:9208 for Nghệ An), in which the provinces keep
//! their cadastral and boundary files.

/// One CRS a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS 84, longitude then latitude: the default, and what GeoJSON means.
    Crs84,
    /// WGS 84 as EPSG defines it: latitude then longitude.
    Epsg4326,
    /// Web Mercator (EPSG:3857), easting then northing, in metres.
    WebMercator,
    /// A VN-2000 / TM-3 zone (EPSG:9205–9218), northing then easting as EPSG defines them,
    /// in metres.
    Vn2000Tm3(Vn2000Zone),
}

/// A VN-2000 / TM-3 zone: its EPSG code and its central meridian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vn2000Zone {
    /// Its EPSG code.
    pub epsg: u32,
    /// Its central meridian, in minutes of arc east of Greenwich (104°45′ = 6285).
    pub meridian_minutes: u32,
}

/// The VN-2000 / TM-3 zones EPSG defines, by central meridian (the provinces' meridians are
/// set by Circular 973/2001/TT-TCĐC; Nghệ An's is 104°45′).
pub const VN2000_ZONES: [Vn2000Zone; 14] = [
    zone(9205, 103, 0),
    zone(9206, 104, 0),
    zone(9207, 104, 30),
    zone(9208, 104, 45),
    zone(9209, 105, 30),
    zone(9210, 105, 45),
    zone(9211, 106, 0),
    zone(9212, 106, 15),
    zone(9213, 106, 30),
    zone(9214, 107, 0),
    zone(9215, 107, 15),
    zone(9216, 107, 30),
    zone(9217, 108, 15),
    zone(9218, 108, 30),
];

const fn zone(epsg: u32, degrees: u32, minutes: u32) -> Vn2000Zone {
    Vn2000Zone {
        epsg,
        meridian_minutes: degrees * 60 + minutes,
    }
}

impl Vn2000Zone {
    /// The zone whose central meridian lies nearest a longitude: the province's zone, from
    /// the longitude of its centre (Nghệ An's centre, 104.9°E, is nearest 104°45′: EPSG:9208).
    #[must_use]
    pub fn nearest(longitude: f64) -> Vn2000Zone {
        let distance = |z: &Vn2000Zone| (f64::from(z.meridian_minutes) / 60.0 - longitude).abs();
        let mut best = VN2000_ZONES[3];
        for z in VN2000_ZONES {
            if distance(&z) < distance(&best) {
                best = z;
            }
        }
        best
    }
}

/// Where OGC's CRS URIs begin.
const EPSG_URI: &str = "http://www.opengis.net/def/crs/EPSG/0/";
/// CRS84's URI.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

impl Crs {
    /// The CRSs offered for a province whose VN-2000 zone is `zone`, the default first.
    #[must_use]
    pub fn offered(zone: Vn2000Zone) -> [Crs; 4] {
        [
            Crs::Crs84,
            Crs::Epsg4326,
            Crs::WebMercator,
            Crs::Vn2000Tm3(zone),
        ]
    }

    /// Its URI, as `crs`, `bbox-crs`, `filter-crs` and `Content-Crs` carry it.
    #[must_use]
    pub fn uri(self) -> String {
        match self {
            Crs::Crs84 => CRS84_URI.to_owned(),
            other => format!("{EPSG_URI}{}", other.srid()),
        }
    }

    /// Its PostGIS SRID.
    #[must_use]
    pub fn srid(self) -> u32 {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => 4326,
            Crs::WebMercator => 3857,
            Crs::Vn2000Tm3(zone) => zone.epsg,
        }
    }

    /// Whether its first axis is northward (latitude or northing), so that x/y coordinates
    /// are written the other way round.
    #[must_use]
    pub fn northing_first(self) -> bool {
        matches!(self, Crs::Epsg4326 | Crs::Vn2000Tm3(_))
    }

    /// Whether its coordinates are degrees (else metres).
    #[must_use]
    pub fn is_geographic(self) -> bool {
        matches!(self, Crs::Crs84 | Crs::Epsg4326)
    }

    /// Decimals written: about 1 cm either way (1e-7° is 1.1 cm at the equator).
    #[must_use]
    pub fn decimals(self) -> u8 {
        if self.is_geographic() {
            7
        } else {
            3
        }
    }

    /// The offered CRS a URI names (also the short `EPSG:9208` and `OGC:CRS84` forms).
    #[must_use]
    pub fn parse(uri: &str, offered: &[Crs]) -> Option<Crs> {
        let uri = uri.trim();
        offered.iter().copied().find(|crs| {
            let srid = crs.srid().to_string();
            uri == crs.uri()
                || match crs {
                    Crs::Crs84 => matches!(uri, "OGC:CRS84" | "urn:ogc:def:crs:OGC:1.3:CRS84"),
                    _ => {
                        uri.strip_prefix("EPSG:") == Some(srid.as_str())
                            || uri.strip_prefix("urn:ogc:def:crs:EPSG::") == Some(srid.as_str())
                    }
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nghe_an_is_in_zone_9208() {
        let zone = Vn2000Zone::nearest(104.92);
        assert_eq!(zone.epsg, 9208);
        assert_eq!(Vn2000Zone::nearest(105.85).epsg, 9210, "Hà Nội, 105°45′");
        assert_eq!(Vn2000Zone::nearest(102.0).epsg, 9205);
    }

    #[test]
    fn uris_read_back() {
        let offered = Crs::offered(Vn2000Zone::nearest(104.9));
        for crs in offered {
            assert_eq!(Crs::parse(&crs.uri(), &offered), Some(crs));
        }
        assert_eq!(Crs::parse("EPSG:9208", &offered), Some(offered[3]));
        assert_eq!(Crs::parse("OGC:CRS84", &offered), Some(Crs::Crs84));
        assert_eq!(
            Crs::parse("EPSG:9210", &offered),
            None,
            "another province's zone"
        );
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/EPSG/0/2154", &offered),
            None
        );
    }
}
