/** Load a data: URL (allowed by the CSP's img-src) into a decoded <img>. */
export function loadImageElement(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The image could not be decoded for display.'));
    img.src = url;
  });
}
