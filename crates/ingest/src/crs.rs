//! The source CRS and reprojection to EPSG:4326.
//!
//! Vietnamese files are often in VN-2000 with a provincial TM-3 zone, and their ESRI `.prj`
//! often lost the VN-2000 → WGS 84 datum shift: PROJ then reads them as WGS 84 and every
//! boundary lands ~224 m off. A transverse Mercator on the WGS 84 ellipsoid, central meridian
//! in Vietnam, false easting 500 000 m, scale 0.9999 (TM-3) and a datum that is not named
//! WGS 84 is such a file: the shift (EPSG:6960) is put back.

use crate::error::{IngestError, Problem, Result};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::{Coord, MultiPolygon};

/// VN-2000 → WGS 84 (EPSG:6960) as a PROJ position-vector Helmert.
pub const VN2000_TOWGS84: &str =
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278";

/// The CRS a file's coordinates are in, as understood.
pub struct SourceCrs {
    srs: SpatialRef,
    /// How it was understood, for provenance ("EPSG:4326", a PROJ string…).
    pub description: String,
    /// What was done beyond reading the file's own declaration.
    pub note: Option<String>,
}

impl SourceCrs {
    /// Whether coordinates are metres on a map projection rather than degrees.
    #[must_use]
    pub fn is_projected(&self) -> bool {
        self.srs.is_projected()
    }
}

/// Works out the source CRS from an explicit definition or the file's own.
/// `None` means the file declares none.
pub(crate) fn resolve(
    file: &str,
    declared: Option<SpatialRef>,
    explicit: Option<&str>,
) -> Result<Option<SourceCrs>> {
    if let Some(def) = explicit {
        let srs = SpatialRef::from_definition(def).map_err(|e| {
            IngestError::file(
                file,
                Problem::file(
                    format!("--source-crs {def:?} is not a CRS PROJ knows ({e})"),
                    "give an EPSG code such as EPSG:9208 (a VN-2000 / TM-3 zone) or a PROJ string",
                ),
            )
        })?;
        let description = describe(&srs);
        return Ok(Some(SourceCrs {
            srs,
            description,
            note: None,
        }));
    }
    let Some(srs) = declared else { return Ok(None) };
    if let Some(fixed) = restore_vn2000_shift(&srs) {
        let description = describe(&fixed);
        let note = Some(format!(
            "the .prj is a VN-2000 TM-3 zone without its datum shift; read as VN-2000 with the EPSG:6960 shift ({description})"
        ));
        return Ok(Some(SourceCrs {
            srs: fixed,
            description,
            note,
        }));
    }
    let description = describe(&srs);
    Ok(Some(SourceCrs {
        srs,
        description,
        note: None,
    }))
}

fn describe(srs: &SpatialRef) -> String {
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => format!("{name}:{code}"),
        _ => srs
            .to_proj4()
            .map_or_else(|_| srs.name().unwrap_or_default(), |p| p.trim().to_owned()),
    }
}

/// A TM-3 VN-2000 zone whose datum lost its shift, rebuilt with the shift.
fn restore_vn2000_shift(srs: &SpatialRef) -> Option<SpatialRef> {
    if !srs.is_projected() {
        return None;
    }
    let proj4 = srs.to_proj4().ok()?;
    let datum = srs
        .get_attr_value("DATUM", 0)
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_lowercase();
    let param = |name: &str| srs.get_proj_param(name).ok().flatten();
    let is_tmerc = proj4.contains("+proj=tmerc");
    let meridian_in_vietnam =
        param("central_meridian").is_some_and(|m| (102.0..=110.0).contains(&m));
    let tm3_scale = param("scale_factor").is_some_and(|k| (k - 0.9999).abs() < 1e-9);
    let false_easting = param("false_easting").is_some_and(|e| (e - 500_000.0).abs() < 1e-6);
    let wgs84_ellipsoid = srs
        .semi_major()
        .is_ok_and(|a| (a - 6_378_137.0).abs() < 1e-3);
    let named_wgs84 = datum.contains("wgs_1984") && !datum.contains("based_on")
        || datum == "wgs84"
        || datum.contains("world geodetic system 1984");
    let has_shift = proj4.contains("+towgs84") && !proj4.contains("+towgs84=0,0,0,0,0,0,0");
    if !(is_tmerc && meridian_in_vietnam && tm3_scale && false_easting && wgs84_ellipsoid)
        || named_wgs84
        || has_shift
    {
        return None;
    }
    let kept: Vec<&str> = proj4
        .split_whitespace()
        .filter(|p| {
            !p.starts_with("+datum") && !p.starts_with("+ellps") && !p.starts_with("+towgs84")
        })
        .collect();
    let fixed = format!("{} +ellps=WGS84 +towgs84={VN2000_TOWGS84}", kept.join(" "));
    SpatialRef::from_proj4(&fixed).ok()
}

/// A reprojection as plain data, so each worker thread can build its own (PROJ objects are
/// not shared across threads).
pub(crate) struct ReprojectorSpec {
    /// WKT of the source CRS; `None` when coordinates are WGS 84 degrees already.
    source_wkt: Option<String>,
    file: String,
}

impl ReprojectorSpec {
    /// Checks the reprojection can be set up, and records how.
    pub(crate) fn new(file: &str, source: Option<&SourceCrs>) -> Result<Self> {
        let source_wkt = match source {
            None => None,
            Some(s) => {
                Reprojector::new(file, &s.srs)?;
                Some(s.srs.to_wkt().map_err(|e| proj_problem(file, &e))?)
            }
        };
        Ok(ReprojectorSpec {
            source_wkt,
            file: file.to_owned(),
        })
    }

    /// A reprojector for the calling thread.
    pub(crate) fn build(&self) -> Result<Reprojector> {
        match &self.source_wkt {
            None => Ok(Reprojector::identity()),
            Some(wkt) => {
                let srs = SpatialRef::from_wkt(wkt).map_err(|e| proj_problem(&self.file, &e))?;
                Reprojector::new(&self.file, &srs)
            }
        }
    }
}

/// Reprojects geometries to EPSG:4326 (longitude, latitude).
pub(crate) struct Reprojector {
    transform: Option<CoordTransform>,
}

impl Reprojector {
    /// No reprojection: coordinates are already WGS 84 degrees.
    pub(crate) fn identity() -> Self {
        Reprojector { transform: None }
    }

    fn new(file: &str, source: &SpatialRef) -> Result<Self> {
        let mut src = source.clone();
        src.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let mut wgs84 = SpatialRef::from_epsg(4326).map_err(|e| proj_problem(file, &e))?;
        wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        if src == wgs84 {
            return Ok(Self::identity());
        }
        let transform = CoordTransform::new(&src, &wgs84).map_err(|e| proj_problem(file, &e))?;
        Ok(Reprojector {
            transform: Some(transform),
        })
    }

    /// Reprojects in place; `false` when some coordinate cannot be transformed.
    pub(crate) fn apply(&self, geometry: &mut MultiPolygon<f64>) -> bool {
        let Some(transform) = &self.transform else {
            return true;
        };
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for_each_coord(geometry, |c| {
            xs.push(c.x);
            ys.push(c.y);
        });
        let mut zs = vec![0.0; xs.len()];
        if transform
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .is_err()
        {
            return false;
        }
        let mut i = 0;
        for_each_coord(geometry, |c| {
            c.x = xs[i];
            c.y = ys[i];
            i += 1;
        });
        xs.iter().chain(&ys).all(|v| v.is_finite())
    }
}

fn proj_problem(file: &str, e: &gdal::errors::GdalError) -> IngestError {
    IngestError::file(
        file,
        Problem::file(
            format!("cannot set up reprojection to EPSG:4326 ({e})"),
            "check the .prj or pass --source-crs",
        ),
    )
}

/// Visits every coordinate of every ring, in order.
pub(crate) fn for_each_coord(geometry: &mut MultiPolygon<f64>, mut f: impl FnMut(&mut Coord<f64>)) {
    for polygon in &mut geometry.0 {
        polygon.exterior_mut(|ring| ring.0.iter_mut().for_each(&mut f));
        polygon.interiors_mut(|rings| {
            for ring in rings {
                ring.0.iter_mut().for_each(&mut f);
            }
        });
    }
}
